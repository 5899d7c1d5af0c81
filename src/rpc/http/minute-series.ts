/**
 * Counts per minute over the last hour, for the dashboard's plots, derived from
 * counters that only grow (requests, errors, refusals by kind): the counters are
 * sampled now and then (and on every read), the last sample of each minute is kept,
 * and a minute's count is its sample minus the one before. Sixty-odd small records,
 * nothing on the request path.
 */

export interface MinuteSeriesOptions {
  /** The counters now: every value only grows while the daemon runs. */
  read(): Record<string, number>;
  now: () => number;
  /** Minutes shown (default 60). */
  minutes?: number;
}

export interface Series {
  /** The start of each minute (Unix seconds), oldest first; the last is the current minute. */
  minutes: number[];
  /** Per counter, the count in each of those minutes; null before the first sample. */
  values: Record<string, (number | null)[]>;
}

const MINUTE_MS = 60_000;

export class MinuteSeries {
  private readonly samples = new Map<number, Record<string, number>>();
  private readonly span: number;
  private first: number;

  constructor(private readonly options: MinuteSeriesOptions) {
    this.span = options.minutes ?? 60;
    this.first = this.minute();
    // The counters at start are the baseline, kept as the minute before the first.
    this.samples.set(this.first - 1, options.read());
  }

  /** Records the counters now as the latest of the current minute. */
  sample(): void {
    const m = this.minute();
    this.samples.set(m, this.options.read());
    for (const key of this.samples.keys()) {
      if (key < m - this.span - 1) this.samples.delete(key);
    }
  }

  /** The last `minutes` minutes, ending with the current one (sampled first). */
  series(): Series {
    this.sample();
    const now = this.minute();
    const minutes: number[] = [];
    const values: Record<string, (number | null)[]> = {};
    const names = new Set<string>();
    for (const s of this.samples.values()) for (const k of Object.keys(s)) names.add(k);
    for (const k of names) values[k] = [];
    // The latest sample at or before the first minute shown is the starting point.
    let previous = this.latestUpTo(now - this.span);
    for (let m = now - this.span + 1; m <= now; m++) {
      minutes.push((m * MINUTE_MS) / 1000);
      const s = this.samples.get(m);
      for (const k of names) {
        if (m < this.first) values[k]!.push(null);
        else if (!s || !previous) values[k]!.push(0);
        else values[k]!.push(Math.max(0, (s[k] ?? 0) - (previous[k] ?? 0)));
      }
      if (s) previous = s;
    }
    return { minutes, values };
  }

  private latestUpTo(minute: number): Record<string, number> | undefined {
    let best: number | undefined;
    for (const key of this.samples.keys()) {
      if (key <= minute && (best === undefined || key > best)) best = key;
    }
    return best === undefined ? undefined : this.samples.get(best);
  }

  private minute(): number {
    return Math.floor(this.options.now() / MINUTE_MS);
  }
}
