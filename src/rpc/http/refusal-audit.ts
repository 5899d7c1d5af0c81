/**
 * Refusals the HTTP front door makes before any method runs — a foreign Host or Origin,
 * a missing or wrong bearer token, a token over its rate limit — counted and audited.
 * Whoever can reach the port can send these as fast as they like, so the audit log gets
 * them aggregated: the first `perWindow` of each kind in a window are recorded one by one
 * (`http.refused`), the rest only counted, and one `http.refused_summary` per kind says
 * how many were left out when the window closes (or the daemon stops). Counters for
 * /metrics see every one.
 */
import type { AuditSink } from '../../services/audit/audit-sink.js';

export type RefusalKind = 'host' | 'origin' | 'authentication' | 'rate_limited' | 'dashboard';

export interface RefusalAuditOptions {
  audit: () => AuditSink;
  /** Individually audited refusals per kind and window (default 10). */
  perWindow?: number;
  /** The window (default 60 s). */
  windowMs?: number;
  now?: () => number;
}

interface Window {
  startedAt: number;
  recorded: number;
  suppressed: number;
  timer?: NodeJS.Timeout;
}

export class RefusalAudit {
  private readonly counts = new Map<RefusalKind, number>();
  private readonly windows = new Map<RefusalKind, Window>();
  private readonly perWindow: number;
  private readonly windowMs: number;
  private readonly now: () => number;

  constructor(private readonly options: RefusalAuditOptions) {
    this.perWindow = options.perWindow ?? 10;
    this.windowMs = options.windowMs ?? 60_000;
    this.now = options.now ?? Date.now;
  }

  /** One refusal: always counted; audited unless this window already holds `perWindow` of its kind. */
  record(kind: RefusalKind, details: Record<string, unknown>): void {
    this.counts.set(kind, (this.counts.get(kind) ?? 0) + 1);
    const now = this.now();
    let w = this.windows.get(kind);
    if (w && now - w.startedAt >= this.windowMs) {
      this.close(kind, w);
      w = undefined;
    }
    if (!w) {
      w = { startedAt: now, recorded: 0, suppressed: 0 };
      this.windows.set(kind, w);
    }
    if (w.recorded < this.perWindow) {
      w.recorded++;
      this.options.audit().record('http.refused', { kind, ...details });
      return;
    }
    w.suppressed++;
    if (!w.timer) {
      const window = w;
      w.timer = setTimeout(() => this.close(kind, window), this.windowMs - (now - w.startedAt));
      w.timer.unref();
    }
  }

  /** Refusals by kind since the daemon started. */
  totals(): ReadonlyMap<RefusalKind, number> {
    return this.counts;
  }

  /** Writes the summaries still open (the daemon is stopping). */
  flush(): void {
    for (const [kind, w] of this.windows) this.close(kind, w);
  }

  private close(kind: RefusalKind, w: Window): void {
    clearTimeout(w.timer);
    if (this.windows.get(kind) === w) this.windows.delete(kind);
    if (w.suppressed === 0) return;
    this.options.audit().record('http.refused_summary', {
      kind,
      recorded: w.recorded,
      notRecorded: w.suppressed,
      since: new Date(w.startedAt).toISOString(),
    });
    w.suppressed = 0;
  }
}
