/**
 * Request and error counts per method. Frames that never name a method get buckets of
 * their own (a parse error, an invalid request, an oversized line, a refused
 * connection, a connection the daemon closed), and every unknown method name shares one
 * bucket, so a client cannot grow the map without bound.
 */
import type { RequestCounts } from '../services/system/system.js';

export const BUCKETS = {
  parseError: '(parse error)',
  invalidRequest: '(invalid request)',
  unknownMethod: '(unknown method)',
  oversized: '(oversized line)',
  refused: '(refused connection)',
  closed: '(closed connection)',
} as const;

/** A method name the daemon serves, or one of the BUCKETS. */
export type Bucket = string;

const PSEUDO = new Set<string>(Object.values(BUCKETS));

export class RequestMetrics {
  private readonly counts = new Map<string, { requests: number; errors: number }>();
  private total = { requests: 0, errors: 0 };

  constructor(private readonly known: Set<string>) {}

  /** A method added at run time (a plugin's) gets its own bucket. */
  know(method: string): void {
    this.known.add(method);
  }

  private bucket(name: Bucket) {
    const key = this.known.has(name) || PSEUDO.has(name) ? name : BUCKETS.unknownMethod;
    let entry = this.counts.get(key);
    if (!entry) {
      entry = { requests: 0, errors: 0 };
      this.counts.set(key, entry);
    }
    return entry;
  }

  request(bucket: Bucket): void {
    this.bucket(bucket).requests++;
    this.total.requests++;
  }

  error(bucket: Bucket): void {
    this.bucket(bucket).errors++;
    this.total.errors++;
  }

  snapshot(): RequestCounts {
    return {
      total: { ...this.total },
      byMethod: Object.fromEntries([...this.counts].sort(([a], [b]) => a.localeCompare(b))),
    };
  }
}
