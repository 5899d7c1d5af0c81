/**
 * Request and error counts per method. Frames that never name a method get buckets of
 * their own (a parse error, an invalid request, an oversized line, a refused
 * connection, a connection the daemon closed), and every unknown method name shares one
 * bucket, so a client cannot grow the map without bound.
 */
import type { ErrorCode } from '../core/errors.js';
import type { RequestCounts } from '../services/system/system.js';

/** Upper bounds (seconds) of the latency histogram's buckets; +Inf is implied. */
export const LATENCY_BUCKETS = [
  0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
  30, 60,
] as const;

/** One method's latencies: a count per bucket (not cumulative; the last is +Inf), sum, count. */
export interface LatencyCounts {
  buckets: number[];
  sum: number;
  count: number;
}

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
  /** Errors by bucket and code, keyed "bucket\ncode" (both sets are bounded). */
  private readonly codes = new Map<string, number>();
  private readonly latency = new Map<string, LatencyCounts>();

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

  error(bucket: Bucket, code?: ErrorCode): void {
    this.bucket(bucket).errors++;
    this.total.errors++;
    if (code) {
      const key = `${this.known.has(bucket) || PSEUDO.has(bucket) ? bucket : BUCKETS.unknownMethod}\n${code}`;
      this.codes.set(key, (this.codes.get(key) ?? 0) + 1);
    }
  }

  /** How long one request took, from its frame to its reply (plain counters: the hot path stays cheap). */
  observe(bucket: Bucket, seconds: number): void {
    const key = this.known.has(bucket) || PSEUDO.has(bucket) ? bucket : BUCKETS.unknownMethod;
    let entry = this.latency.get(key);
    if (!entry) {
      entry = { buckets: new Array<number>(LATENCY_BUCKETS.length + 1).fill(0), sum: 0, count: 0 };
      this.latency.set(key, entry);
    }
    let i = 0;
    while (i < LATENCY_BUCKETS.length && seconds > LATENCY_BUCKETS[i]!) i++;
    entry.buckets[i]!++;
    entry.sum += seconds;
    entry.count++;
  }

  /** Errors by method bucket and code, for /metrics. */
  errorCodes(): { bucket: string; code: ErrorCode; count: number }[] {
    return [...this.codes].map(([key, count]) => {
      const [bucket, code] = key.split('\n') as [string, ErrorCode];
      return { bucket, code, count };
    });
  }

  /** Latencies by method bucket, for /metrics. */
  latencies(): ReadonlyMap<string, LatencyCounts> {
    return this.latency;
  }

  snapshot(): RequestCounts {
    return {
      total: { ...this.total },
      byMethod: Object.fromEntries([...this.counts].sort(([a], [b]) => a.localeCompare(b))),
    };
  }
}
