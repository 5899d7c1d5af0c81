/**
 * An audit sink that counts what passes through it by event name, for /metrics (plugin
 * loads and refusals, job failures, HTTP refusals, …) — a map increment beside a
 * hash-chained file write, so it costs nothing that shows.
 */
import type { AuditSink } from '../services/audit/audit-sink.js';

export class CountingAudit implements AuditSink {
  readonly counts = new Map<string, number>();

  constructor(private readonly inner: () => AuditSink) {}

  record(event: string, details?: Record<string, unknown>): void {
    this.counts.set(event, (this.counts.get(event) ?? 0) + 1);
    this.inner().record(event, details);
  }
}
