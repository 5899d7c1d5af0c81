/**
 * Request and error counts per method. Unknown method names are counted under one
 * bucket so a client cannot grow the map without bound.
 */
import type { RequestCounts } from '../services/system/system.js';

export class RequestMetrics {
  private readonly counts = new Map<string, { requests: number; errors: number }>();
  private total = { requests: 0, errors: 0 };

  constructor(private readonly known: ReadonlySet<string>) {}

  private bucket(method: string) {
    const key = this.known.has(method) ? method : '(unknown)';
    let entry = this.counts.get(key);
    if (!entry) {
      entry = { requests: 0, errors: 0 };
      this.counts.set(key, entry);
    }
    return entry;
  }

  request(method: string): void {
    this.bucket(method).requests++;
    this.total.requests++;
  }

  error(method: string): void {
    this.bucket(method).errors++;
    this.total.errors++;
  }

  snapshot(): RequestCounts {
    return {
      total: { ...this.total },
      byMethod: Object.fromEntries([...this.counts].sort(([a], [b]) => a.localeCompare(b))),
    };
  }
}
