/**
 * What keeps one connection from taking the daemon from the others, as dispatch sees it:
 * how many of its requests may run at once (a batch counts as its length), how long its
 * next line waits when it keeps being refused, when it must be closed for that, and the
 * last lines the transport sends when it closes a connection on its own (idle, a line
 * left half-sent). The transport asks `pace()` before handing over each line and
 * `lastWords()` after each reply; both are a few field reads unless the connection is
 * being slowed or closed, so the hot path stays cheap.
 */
import type { AuditSink } from '../services/audit/audit-sink.js';
import type { DispatchConnection } from './dispatch-connection.js';
import type { ErrorPath } from './error-path.js';
import { BUCKETS, type RequestMetrics } from './metrics.js';
import type { RefusalLimits } from './refusal-tally.js';

export interface ConnectionLimits extends RefusalLimits {
  /** Most requests in one batch line. */
  maxBatchLength: number;
  /** Requests one connection may have running at once; past it its next line waits. */
  maxInFlightPerConnection: number;
}

/** The configuration's defaults (config/schema.ts), for dispatchers built without one. */
export const DEFAULT_CONNECTION_LIMITS: ConnectionLimits = {
  maxBatchLength: 100,
  maxInFlightPerConnection: 32,
  refusalWindowMs: 60_000,
  refusalSlowAfter: 20,
  refusalCloseAfter: 100,
  refusalDelayStepMs: 25,
};

export class ConnectionGuard {
  readonly limits: ConnectionLimits;

  constructor(
    private readonly deps: {
      errors: () => ErrorPath;
      metrics: RequestMetrics;
      audit: () => AuditSink;
    },
    limits: Partial<ConnectionLimits> = {},
  ) {
    this.limits = { ...DEFAULT_CONNECTION_LIMITS };
    this.setLimits(limits);
  }

  /** New limits apply to every open connection from its next line on. */
  setLimits(limits: Partial<ConnectionLimits>): void {
    for (const key of Object.keys(DEFAULT_CONNECTION_LIMITS) as (keyof ConnectionLimits)[]) {
      const value = limits[key];
      if (value !== undefined) this.limits[key] = value;
    }
  }

  /**
   * 0 when the connection's next line may run now; Infinity while it is at its in-flight
   * cap or about to be closed (the transport waits for one of its lines to finish); else
   * the ms to wait because it keeps being refused.
   */
  pace(c: DispatchConnection): number {
    if (c.refusals.closing || c.weight >= this.limits.maxInFlightPerConnection) return Infinity;
    return c.refusals.waitMs();
  }

  /** The last line for a connection closed for its refusals (built once, audited once). */
  lastWords(c: DispatchConnection): string | undefined {
    if (!c.refusals.closing) return undefined;
    if (c.farewell === undefined) {
      const summary = c.refusals.summary(true);
      if (summary) this.deps.audit().record('connection.refusals', { ...summary });
      this.deps.metrics.request(BUCKETS.closed);
      const { refusalCloseAfter, refusalWindowMs } = this.limits;
      const reply = this.deps
        .errors()
        .fail(
          { id: null, bucket: BUCKETS.closed, connection: c.peer.id },
          'CONNECTION_CLOSED',
          `closing the connection: ${summary?.total ?? refusalCloseAfter} requests refused within ${refusalWindowMs} ms (limit ${refusalCloseAfter})`,
          { reason: 'refusals', counts: summary?.counts ?? {}, refusalCloseAfter, refusalWindowMs },
        );
      c.farewell = JSON.stringify(reply);
    }
    return c.farewell;
  }

  /** The connection is gone: refusals not yet in the audit log get their one record. */
  closed(c: DispatchConnection): void {
    const summary = c.refusals.summary(false);
    if (summary) this.deps.audit().record('connection.refusals', { ...summary });
  }

  /**
   * The last line of a connection the transport closes on a timeout. An idle close is
   * ordinary housekeeping; a line left half-sent is how a slow-loris holds connections,
   * so that close is audited.
   */
  timeoutLine(reason: 'idle' | 'partial-line', limitMs: number, connection: number): string {
    const bucket = BUCKETS.closed;
    this.deps.metrics.request(bucket);
    const message =
      reason === 'idle'
        ? `closing the idle connection: nothing in flight and nothing received for ${limitMs} ms; reconnect to continue (nothing was running)`
        : `closing the connection: a line was left unfinished for ${limitMs} ms`;
    const data =
      reason === 'idle'
        ? { reason, idleTimeoutMs: limitMs }
        : { reason, partialLineTimeoutMs: limitMs };
    if (reason === 'partial-line')
      this.deps.audit().record('connection.closed', { connection, ...data });
    const reply = this.deps
      .errors()
      .fail({ id: null, bucket, connection }, 'CONNECTION_CLOSED', message, data);
    return JSON.stringify(reply);
  }
}
