/**
 * Refusals per connection. A connection that keeps sending what the daemon refuses
 * (lines that are not JSON, invalid requests, unknown methods, bad params, calls it may
 * not make) costs work and would fill the audit log one record per line. So each
 * connection counts its refusals in a window: the first `slowAfter` get their own audit
 * record as usual; past that they are only counted, and the daemon waits before reading
 * the connection's next line, longer with each refusal; at `closeAfter` the connection
 * is closed with a last line saying why. The counts (by code) go to the audit log once,
 * as one `connection.refusals` record per window in which records were held back, the
 * connection was slowed, or it was closed.
 */
import type { ErrorCode } from '../core/errors.js';

export interface RefusalLimits {
  /** Refusals are counted in windows of this length, starting at the first refusal. */
  refusalWindowMs: number;
  /** Past this many refusals in a window, each further one delays the next line. */
  refusalSlowAfter: number;
  /** At this many refusals in a window the connection is closed. */
  refusalCloseAfter: number;
  /** The delay added per refusal past `refusalSlowAfter` (capped at MAX_REFUSAL_DELAY_MS). */
  refusalDelayStepMs: number;
}

/** The longest wait before the next line of a connection being slowed. */
export const MAX_REFUSAL_DELAY_MS = 2_000;

/** Codes that are not the caller's doing, so never count against its connection. */
const NOT_REFUSALS = new Set<ErrorCode>(['BUSY', 'SHUTTING_DOWN', 'CONNECTION_CLOSED']);

export interface RefusalSummary {
  connection: number;
  /** Refusals in the window, by code. */
  counts: Record<string, number>;
  total: number;
  /** How many of them got no audit record of their own (this record stands for them). */
  notAuditedSeparately: number;
  slowed: boolean;
  closed: boolean;
  windowStartedAt: string;
}

export class RefusalTally {
  /** Until when (ms since epoch) the connection's next line waits; 0: no wait. */
  slowUntil = 0;
  /** The window's count reached `refusalCloseAfter`: the connection must go. */
  closing = false;
  private counts: Map<string, number> | undefined;
  private total = 0;
  private held = 0;
  private slowed = false;
  private windowStart = 0;

  constructor(private readonly connection: number) {}

  /** Whether a code counts as a refusal of the caller. */
  static counts(code: ErrorCode): boolean {
    return !NOT_REFUSALS.has(code);
  }

  /**
   * Counts one refusal. Returns whether it gets its own audit record, and the summary of
   * the previous window when that one is due now.
   */
  note(
    code: ErrorCode,
    limits: RefusalLimits,
    now = Date.now(),
  ): { ownRecord: boolean; previous: RefusalSummary | undefined } {
    let previous: RefusalSummary | undefined;
    if (this.counts === undefined || now - this.windowStart >= limits.refusalWindowMs) {
      previous = this.summary(false);
      this.counts = new Map();
      this.total = 0;
      this.held = 0;
      this.slowed = false;
      this.windowStart = now;
    }
    this.counts.set(code, (this.counts.get(code) ?? 0) + 1);
    this.total++;
    const over = this.total - limits.refusalSlowAfter;
    if (this.total >= limits.refusalCloseAfter) this.closing = true;
    if (over <= 0) return { ownRecord: true, previous };
    this.held++;
    this.slowed = true;
    this.slowUntil = now + Math.min(MAX_REFUSAL_DELAY_MS, over * limits.refusalDelayStepMs);
    return { ownRecord: false, previous };
  }

  /** How long the next line must wait (0: none); cheap when the connection is not slowed. */
  waitMs(): number {
    if (this.slowUntil === 0) return 0;
    const wait = this.slowUntil - Date.now();
    if (wait > 0) return wait;
    this.slowUntil = 0;
    return 0;
  }

  /**
   * The current window's summary, when it holds something the audit log has not seen
   * (records held back, slowing, a close); taking it marks the window reported.
   */
  summary(closed: boolean): RefusalSummary | undefined {
    if (this.counts === undefined || (this.held === 0 && !this.slowed && !closed)) return undefined;
    const result: RefusalSummary = {
      connection: this.connection,
      counts: Object.fromEntries(this.counts),
      total: this.total,
      notAuditedSeparately: this.held,
      slowed: this.slowed,
      closed,
      windowStartedAt: new Date(this.windowStart).toISOString(),
    };
    this.held = 0;
    this.slowed = false;
    return result;
  }
}
