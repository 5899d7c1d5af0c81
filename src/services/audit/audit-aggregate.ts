/**
 * Repeated identical refusals become one record with a count. The first of a kind is
 * written at once (nothing waits to be seen); identical ones that follow within the
 * window are only counted, and when the window ends (or the log closes) one more record
 * says how many there were and when the first and last came. "Identical" means the same
 * event and the same details after bounding — so the same code, method, session,
 * connection, namespace: refusals of two sessions or two connections never merge.
 */

export interface AggregatorOptions {
  /** How long identical refusals are counted after the first (0: never aggregate). */
  windowMs: number;
  /** Writes a record, bypassing the aggregator. */
  write: (event: string, details: Record<string, unknown>) => void;
  /** Wall time for the firstTime/lastTime fields. */
  clock: () => Date;
  /** At most this many kinds are counted at once; past it records are written as they come. */
  maxOpen?: number;
}

interface Window {
  event: string;
  details: Record<string, unknown>;
  endsAt: number;
  count: number;
  firstTime?: string;
  lastTime?: string;
}

/** Events that are refusals: what a flood of bad requests produces. */
export function isRefusal(event: string): boolean {
  return /\.(refused|denied)$/.test(event);
}

export class RefusalAggregator {
  private readonly open = new Map<string, Window>();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly options: AggregatorOptions) {}

  /** True when the record was counted into an open window, so it must not be written now. */
  absorb(event: string, details: Record<string, unknown>): boolean {
    const { windowMs, clock, maxOpen = 1000 } = this.options;
    if (windowMs <= 0 || !isRefusal(event)) return false;
    const key = `${event}\u0000${JSON.stringify(details)}`;
    const window = this.open.get(key);
    if (window) {
      const time = clock().toISOString();
      window.count++;
      window.firstTime ??= time;
      window.lastTime = time;
      return true;
    }
    if (this.open.size < maxOpen) {
      this.open.set(key, { event, details, endsAt: Date.now() + windowMs, count: 0 });
      // A new window ends last of all, so an armed timer is already early enough.
      if (!this.timer) this.arm();
    }
    return false;
  }

  /** Writes the count of every window that has ended (all of them with `all`). */
  flush(all = false): void {
    const now = Date.now();
    for (const [key, w] of this.open) {
      if (!all && w.endsAt > now) continue;
      this.open.delete(key);
      if (w.count > 0) {
        this.options.write(w.event, {
          ...w.details,
          count: w.count,
          firstTime: w.firstTime,
          lastTime: w.lastTime,
        });
      }
    }
    this.arm();
  }

  /** Flushes everything and stops the timer (the log is closing). */
  close(): void {
    this.flush(true);
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private arm(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.open.size === 0) return;
    let next = Infinity;
    for (const w of this.open.values()) next = Math.min(next, w.endsAt);
    this.timer = setTimeout(() => this.flush(), Math.max(0, next - Date.now()));
    this.timer.unref();
  }
}
