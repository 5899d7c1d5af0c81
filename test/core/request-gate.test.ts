/**
 * The request gate on vitest's fake timers: every wait is advanced by hand, so each test
 * says exactly when something happens (and that nothing happens a millisecond earlier),
 * whatever the machine's load.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { AppError } from '../../src/core/errors.js';
import { RequestGate } from '../../src/core/request-gate.js';

/** A wait on the fake clock: it ends only when the test advances time past it. */
const fakeDelay = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Follows a promise so a test can ask whether it has settled yet. */
function track<T>(promise: Promise<T>) {
  const state = { settled: false, value: undefined as T | undefined, error: undefined as unknown };
  const done = promise.then(
    (v) => {
      state.settled = true;
      state.value = v;
    },
    (e: unknown) => {
      state.settled = true;
      state.error = e;
    },
  );
  return Object.assign(state, { done });
}

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('RequestGate', () => {
  it('an exclusive section called from inside a request waits for the other requests only', async () => {
    const gate = new RequestGate();
    const order: string[] = [];
    const other = gate.run(async () => {
      await fakeDelay(50);
      order.push('other finished');
    });
    const result = track(
      gate.run(() =>
        gate.exclusive(
          () => {
            order.push('exclusive');
            return 42;
          },
          { callerHolds: true },
        ),
      ),
    );
    await vi.advanceTimersByTimeAsync(49);
    expect(order).toEqual([]);
    expect(result.settled).toBe(false);
    expect(gate.isClosed).toBe(true);
    expect(gate.running).toBe(2);

    await vi.advanceTimersByTimeAsync(1);
    await other;
    await result.done;
    expect(result.value).toBe(42);
    expect(order).toEqual(['other finished', 'exclusive']);
    expect(gate.isClosed).toBe(false);
  });

  it('holds requests that arrive during an exclusive section', async () => {
    const gate = new RequestGate();
    const order: string[] = [];
    const exclusive = track(
      gate.exclusive(async () => {
        await fakeDelay(30);
        order.push('exclusive done');
      }),
    );
    const held = track(gate.run(() => order.push('held request')));
    await vi.advanceTimersByTimeAsync(29);
    expect(order).toEqual([]);
    expect(held.settled).toBe(false);
    expect(gate.running).toBe(0); // the held request waits at the gate, it does not run

    await vi.advanceTimersByTimeAsync(1);
    await Promise.all([exclusive.done, held.done]);
    expect(exclusive.error).toBeUndefined();
    expect(held.error).toBeUndefined();
    expect(order).toEqual(['exclusive done', 'held request']);
    expect(gate.isClosed).toBe(false);
  });

  it('gives up with BUSY when running requests do not finish in time, and opens again', async () => {
    const gate = new RequestGate({ drainMs: 30 });
    const slow = track(gate.run(() => fakeDelay(200)));
    const ran = vi.fn(() => 'never');
    const exclusive = track(gate.exclusive(ran));
    await vi.advanceTimersByTimeAsync(29);
    expect(exclusive.settled).toBe(false);

    await vi.advanceTimersByTimeAsync(1);
    await exclusive.done;
    expect(exclusive.error).toBeInstanceOf(AppError);
    expect((exclusive.error as AppError).code).toBe('BUSY');
    expect((exclusive.error as AppError).message).toMatch(/still running after 30 ms/);
    expect(ran).not.toHaveBeenCalled();
    expect(slow.settled).toBe(false);
    expect(gate.isClosed).toBe(false);
    expect(await gate.run(() => 'open again')).toBe('open again');

    await vi.advanceTimersByTimeAsync(170);
    await slow.done;
    expect(slow.error).toBeUndefined();
    expect(gate.running).toBe(0);
  });

  it('a request held too long gets BUSY instead of waiting forever', async () => {
    const gate = new RequestGate({ maxWaitMs: 20 });
    const exclusive = track(gate.exclusive(() => fakeDelay(100)));
    const late = vi.fn(() => 'late');
    const held = track(gate.run(late));
    await vi.advanceTimersByTimeAsync(19);
    expect(held.settled).toBe(false);

    await vi.advanceTimersByTimeAsync(1);
    await held.done;
    expect((held.error as AppError).code).toBe('BUSY');
    expect(late).not.toHaveBeenCalled();
    expect(exclusive.settled).toBe(false);

    await vi.advanceTimersByTimeAsync(80);
    await exclusive.done;
    expect(exclusive.error).toBeUndefined();
    expect(gate.isClosed).toBe(false);
  });

  it('records when a request last started or finished, on the clock it is given', async () => {
    let clock = 1_000;
    const gate = new RequestGate({ now: () => clock });
    expect(gate.lastActivityAt).toBe(1_000);
    clock = 2_000;
    const request = gate.run(() => fakeDelay(10));
    expect(gate.lastActivityAt).toBe(2_000);
    clock = 3_000;
    await vi.advanceTimersByTimeAsync(10);
    await request;
    expect(gate.lastActivityAt).toBe(3_000);
  });
});
