/** Per-minute counts from counters that only grow, on a test clock. */
import { describe, expect, it } from 'vitest';
import { MinuteSeries } from '../../src/rpc/http/minute-series.js';

describe('MinuteSeries', () => {
  it('turns counter samples into counts per minute over the last hour', () => {
    let now = 100 * 60_000 + 5_000;
    const counters = { requests: 10, errors: 1 };
    const s = new MinuteSeries({ read: () => ({ ...counters }), now: () => now, minutes: 5 });
    counters.requests += 3;
    s.sample();
    now += 60_000;
    counters.requests += 7;
    counters.errors += 2;
    now += 60_000;
    // A minute with no sample (the daemon busy) counts 0; its requests land in the next.
    counters.requests += 1;
    const r = s.series();
    expect(r.minutes).toEqual([98, 99, 100, 101, 102].map((m) => m * 60));
    // Before the daemon started: null, not 0.
    expect(r.values.requests).toEqual([null, null, 3, 0, 8]);
    expect(r.values.errors).toEqual([null, null, 0, 0, 2]);
  });

  it('keeps an hour of samples and no more, and shows counters that appear later', () => {
    let now = 0;
    const counters: Record<string, number> = { requests: 0 };
    const s = new MinuteSeries({ read: () => ({ ...counters }), now: () => now });
    for (let m = 0; m < 200; m++) {
      counters.requests! += 2;
      if (m === 190) counters['refused:host'] = 4;
      s.sample();
      now += 60_000;
    }
    const r = s.series();
    expect(r.minutes).toHaveLength(60);
    expect(r.values.requests!.slice(0, -1).every((v) => v === 2)).toBe(true);
    expect(r.values['refused:host']!.reduce<number>((a, b) => a + (b ?? 0), 0)).toBe(4);
    expect((s as unknown as { samples: Map<number, unknown> }).samples.size).toBeLessThanOrEqual(
      62,
    );
  });
});
