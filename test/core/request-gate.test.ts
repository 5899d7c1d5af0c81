import { describe, expect, it } from 'vitest';
import { AppError } from '../../src/core/errors.js';
import { RequestGate } from '../../src/core/request-gate.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('RequestGate', () => {
  it('an exclusive section called from inside a request waits for the other requests only', async () => {
    const gate = new RequestGate();
    const order: string[] = [];
    const other = gate.run(async () => {
      await sleep(50);
      order.push('other finished');
    });
    const result = await gate.run(() =>
      gate.exclusive(() => {
        order.push('exclusive');
        return 42;
      }),
    );
    await other;
    expect(result).toBe(42);
    expect(order).toEqual(['other finished', 'exclusive']);
  });

  it('holds requests that arrive during an exclusive section, and nested runs do not wait on themselves', async () => {
    const gate = new RequestGate();
    const order: string[] = [];
    const exclusive = gate.exclusive(async () => {
      await sleep(30);
      await gate.run(() => order.push('nested run'));
      order.push('exclusive done');
    });
    const held = gate.run(() => order.push('held request'));
    await Promise.all([exclusive, held]);
    expect(order).toEqual(['nested run', 'exclusive done', 'held request']);
    expect(gate.isClosed).toBe(false);
  });

  it('gives up with BUSY when running requests do not finish in time, and opens again', async () => {
    const gate = new RequestGate({ drainMs: 30 });
    const slow = gate.run(() => sleep(200));
    const err = await gate.exclusive(() => 'never').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe('BUSY');
    expect(await gate.run(() => 'open again')).toBe('open again');
    await slow;
  });

  it('a request held too long gets BUSY instead of waiting forever', async () => {
    const gate = new RequestGate({ maxWaitMs: 20 });
    const exclusive = gate.exclusive(() => sleep(100));
    const err = await gate.run(() => 'late').catch((e: unknown) => e);
    expect((err as AppError).code).toBe('BUSY');
    await exclusive;
  });
});
