import { describe, expect, it } from 'vitest';
import { FairQueue } from '../../src/services/reads/fair-queue.js';

const drainAll = <T>(q: FairQueue<T>) => {
  const out: T[] = [];
  for (let item = q.shift(); item !== undefined; item = q.shift()) out.push(item);
  return out;
};

describe('the read pool fair queue', () => {
  it('keeps each key in order and serves keys round-robin', () => {
    const q = new FairQueue<string>(100);
    for (let i = 1; i <= 3; i++) q.push('a', `a${i}`);
    q.push('b', 'b1');
    q.push('c', 'c1');
    q.push('c', 'c2');
    expect(drainAll(q)).toEqual(['a1', 'b1', 'c1', 'a2', 'c2', 'a3']);
    expect(q.size).toBe(0);
  });

  it('one key with 200 waiting cannot starve a newcomer: it is served within one turn', () => {
    const q = new FairQueue<string>(1000);
    for (let i = 0; i < 200; i++) q.push(1, `a${i}`);
    expect(q.shift()).toBe('a0');
    expect(q.shift()).toBe('a1');
    q.push(2, 'b');
    // a's line is at the front of the rotation now; b is next after one more of a's.
    expect([q.shift(), q.shift()]).toEqual(['a2', 'b']);
    expect(q.waiting(1)).toBe(197);
  });

  it('a key that arrives while others wait is served before anyone gets a second turn', () => {
    const q = new FairQueue<string>(100);
    q.push('a', 'a1');
    q.push('a', 'a2');
    q.push('b', 'b1');
    q.push('b', 'b2');
    q.push('c', 'c1');
    expect(drainAll(q)).toEqual(['a1', 'b1', 'c1', 'a2', 'b2']);
  });

  it('refuses past its bound, counting every key together, and accepts again once served', () => {
    const q = new FairQueue<number>(3);
    expect(q.push('a', 1)).toBe(true);
    expect(q.push('b', 2)).toBe(true);
    expect(q.push('c', 3)).toBe(true);
    expect(q.push('d', 4)).toBe(false);
    expect(q.push('a', 5)).toBe(false);
    expect(q.size).toBe(3);
    expect(q.shift()).toBe(1);
    expect(q.push('d', 4)).toBe(true);
    expect(drainAll(q)).toEqual([2, 3, 4]);
  });

  it('removes a waiting item (its caller gave up) and forgets an emptied key', () => {
    const q = new FairQueue<object>(10);
    const x = {};
    const y = {};
    const z = {};
    q.push('a', x);
    q.push('a', y);
    q.push('b', z);
    expect(q.remove('a', x)).toBe(true);
    expect(q.remove('a', x)).toBe(false);
    expect(q.remove('b', x)).toBe(false);
    expect(q.remove('b', z)).toBe(true);
    expect(q.waiting('b')).toBe(0);
    expect(q.size).toBe(1);
    expect(drainAll(q)).toEqual([y]);
  });

  it('drain empties every line and returns what was waiting', () => {
    const q = new FairQueue<number>(10);
    q.push('a', 1);
    q.push('b', 2);
    q.push('a', 3);
    expect(q.drain().sort()).toEqual([1, 2, 3]);
    expect(q.size).toBe(0);
    expect(q.shift()).toBeUndefined();
  });
});
