/**
 * Refusal counting per connection without a socket: who gets an audit record of their
 * own, when the connection is slowed and by how much, when it must close, and that the
 * summary is due once per window that held something back.
 */
import { describe, expect, it } from 'vitest';
import { MAX_REFUSAL_DELAY_MS, RefusalTally } from '../../src/rpc/refusal-tally.js';

const LIMITS = {
  refusalWindowMs: 1_000,
  refusalSlowAfter: 3,
  refusalCloseAfter: 6,
  refusalDelayStepMs: 100,
};

describe('RefusalTally', () => {
  it('audits the first refusals one by one, then counts, slows and closes', () => {
    const t = new RefusalTally(7);
    const own = [1, 2, 3, 4, 5].map((i) => t.note('PARSE_ERROR', LIMITS, i).ownRecord);
    expect(own).toEqual([true, true, true, false, false]);
    expect(t.slowUntil).toBe(5 + 200);
    expect(t.closing).toBe(false);
    t.note('METHOD_NOT_FOUND', LIMITS, 6);
    expect(t.closing).toBe(true);
    expect(t.summary(true)).toMatchObject({
      connection: 7,
      counts: { PARSE_ERROR: 5, METHOD_NOT_FOUND: 1 },
      total: 6,
      notAuditedSeparately: 3,
      slowed: true,
      closed: true,
    });
    expect(t.summary(false)).toBeUndefined();
  });

  it('caps the delay', () => {
    const t = new RefusalTally(1);
    const limits = { ...LIMITS, refusalCloseAfter: 1_000 };
    for (let i = 0; i < 500; i++) t.note('INVALID_PARAMS', limits, 10);
    expect(t.slowUntil).toBe(10 + MAX_REFUSAL_DELAY_MS);
  });

  it('starts a new window after refusalWindowMs, handing over the summary of the old one', () => {
    const t = new RefusalTally(1);
    for (let i = 0; i < 5; i++) t.note('FORBIDDEN', LIMITS, 100);
    const next = t.note('FORBIDDEN', LIMITS, 1_200);
    expect(next.ownRecord).toBe(true);
    expect(next.previous).toMatchObject({ counts: { FORBIDDEN: 5 }, notAuditedSeparately: 2 });
    expect(t.closing).toBe(false);
  });

  it('an ordinary connection with a few refusals owes no summary', () => {
    const t = new RefusalTally(1);
    t.note('METHOD_NOT_FOUND', LIMITS, 0);
    expect(t.summary(false)).toBeUndefined();
    expect(t.waitMs()).toBe(0);
  });

  it('does not count what is not the caller doing', () => {
    expect(RefusalTally.counts('BUSY')).toBe(false);
    expect(RefusalTally.counts('SHUTTING_DOWN')).toBe(false);
    expect(RefusalTally.counts('UNAUTHENTICATED')).toBe(true);
  });
});
