/**
 * Version 7 UUIDs: the RFC 9562 layout (version, variant, time in the first 48 bits), in
 * time order, and random beyond the time (no two alike among many in one millisecond).
 */
import { describe, expect, it } from 'vitest';
import { uuid7 } from '../../src/core/uuid7.js';

const SHAPE = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('uuid7', () => {
  it('has the version 7 layout with the milliseconds in its first 48 bits', () => {
    for (const ms of [0, 1, 1_764_000_000_123, 2 ** 48 - 1]) {
      const id = uuid7(ms);
      expect(id).toMatch(SHAPE);
      expect(parseInt(id.replace(/-/g, '').slice(0, 12), 16)).toBe(ms);
    }
  });

  it('sorts by time, and never repeats within one millisecond', () => {
    const ids = Array.from({ length: 5000 }, (_, i) =>
      uuid7(1_764_000_000_000 + Math.floor(i / 1000)),
    );
    expect(new Set(ids).size).toBe(ids.length);
    for (let i = 1000; i < ids.length; i += 1000) expect(ids[i - 1]! < ids[i]!).toBe(true);
    // The random part is not constant: bytes past the time differ across ids.
    expect(new Set(ids.map((id) => id.slice(15))).size).toBe(ids.length);
  });
});
