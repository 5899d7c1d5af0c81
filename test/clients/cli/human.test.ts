/** Units, durations, relative times and plurals as tables print them. */
import { describe, expect, it } from 'vitest';
import { ago, bytes, duration, plural } from '../../../src/clients/cli/human.js';

describe('human units', () => {
  it('says "1 entry" and "2 entries", and other plurals', () => {
    expect(plural(1, 'entry')).toBe('1 entry');
    expect(plural(2, 'entry')).toBe('2 entries');
    expect(plural(0, 'entry')).toBe('0 entries');
    expect(plural(1, 'day')).toBe('1 day');
    expect(plural(3, 'day')).toBe('3 days');
    expect(plural(30000, 'record')).toBe('30,000 records');
    expect(plural(2, 'private entry', 'private entries')).toBe('2 private entries');
  });

  it('prints bytes in B, KiB, MiB, GiB', () => {
    expect(bytes(0)).toBe('0 B');
    expect(bytes(1023)).toBe('1023 B');
    expect(bytes(4096)).toBe('4.0 KiB');
    expect(bytes(105906176)).toBe('101.0 MiB');
    expect(bytes(3 * 1024 ** 3)).toBe('3.0 GiB');
  });

  it('prints durations as their two largest units', () => {
    expect(duration(0)).toBe('0 s');
    expect(duration(42)).toBe('42 s');
    expect(duration(303)).toBe('5 min 3 s');
    expect(duration(3 * 3600 + 2 * 60 + 9)).toBe('3 h 2 min');
    expect(duration(3 * 3600 + 9)).toBe('3 h');
    expect(duration(86400 + 3600)).toBe('1 d 1 h');
  });

  it('prints times relative to now', () => {
    const now = Date.parse('2026-12-01T12:00:00Z');
    expect(ago('2026-12-01T11:58:00Z', now)).toBe('2 min ago');
    expect(ago('2026-12-01T08:58:00Z', now)).toBe('3 h 2 min ago');
    expect(ago('2026-12-01T12:05:00Z', now)).toBe('in 5 min');
    expect(ago('2026-12-01T11:59:58Z', now)).toBe('just now');
    expect(ago(null, now)).toBe('never');
    expect(ago('not a time', now)).toBe('not a time');
  });
});
