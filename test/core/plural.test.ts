/**
 * Counts read naturally wherever they are written (MCP results, CLI lines, provider
 * errors): one helper, so "1 entries", "1 of 1 entries" and "link(s)" cannot come back.
 */
import { describe, expect, it } from 'vitest';
import { countOf, plural } from '../../src/core/plural.js';

describe('plural and countOf', () => {
  it('says 1 entry, 0 and 2 entries, with the irregular form when given', () => {
    expect(plural(1, 'entry')).toBe('1 entry');
    expect(plural(0, 'entry')).toBe('0 entries');
    expect(plural(2, 'link')).toBe('2 links');
    expect(plural(3, 'key')).toBe('3 keys');
    expect(plural(2, 'match', 'matches')).toBe('2 matches');
    expect(plural(1234, 'entry')).toBe('1,234 entries');
  });

  it('says "3 of 10 entries" for a page, and only the count when the page is everything', () => {
    expect(countOf(3, 10, 'entry')).toBe('3 of 10 entries');
    expect(countOf(1, 1, 'entry')).toBe('1 entry');
    expect(countOf(10, 10, 'entry')).toBe('10 entries');
    expect(countOf(1, 2, 'entry')).toBe('1 of 2 entries');
    expect(countOf(0, 0, 'entry')).toBe('0 entries');
  });
});
