/**
 * Every read shows an entry's expiry the same way (issue #18, item 6): an entry stored with
 * ttlSeconds carries the same `expiresAt` in memory.search hits (previews and whole
 * contents) as in memory.get, memory.list and memory.getMany; an entry that never expires
 * carries none anywhere. Through the real daemon.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { AistackClient } from '../../src/clients/client.js';
import { cleanupAll, startDaemon } from '../helpers/daemon.js';
import { openSession } from '../helpers/session.js';

afterEach(cleanupAll);

/** Every field of an entry view or entry but its text and the text's size and cut. */
function fieldsOf(entry: Record<string, unknown>): Record<string, unknown> {
  const { content: _c, preview: _p, size: _s, cut: _t, ...rest } = entry;
  return rest;
}

async function searchHit(c: AistackClient, key: string, content: boolean) {
  const found = await c.call('memory.search', { query: 'pangolin', namespace: 'team', content });
  const hit = found.results.find((r) => r.entry.key === key);
  expect(hit, `a search hit for ${key}`).toBeDefined();
  return hit!.entry as unknown as Record<string, unknown>;
}

describe('expiresAt in every read', () => {
  it('a search hit of an entry stored with ttlSeconds shows expiresAt exactly as memory.get does', async () => {
    const d = await startDaemon();
    const c = await d.client();
    const s = await openSession(c);
    const stored = await c.call('memory.store', {
      key: 'fleeting',
      content: 'a fleeting pangolin',
      namespace: 'team',
      ttlSeconds: 3600,
      ...s.creds,
    });
    await c.call('memory.store', {
      key: 'steady',
      content: 'a steady pangolin',
      namespace: 'team',
      ...s.creds,
    });
    const expiresAt = stored.entry.expiresAt;
    expect(Date.parse(expiresAt!)).toBeGreaterThan(Date.now() + 3500_000);

    for (const key of ['fleeting', 'steady']) {
      const got = (await c.call('memory.get', { key, namespace: 'team' })).entry;
      expect(got.expiresAt).toBe(key === 'fleeting' ? expiresAt : undefined);
      const want = fieldsOf(got);
      expect(fieldsOf(await searchHit(c, key, false))).toEqual(want);
      expect(fieldsOf(await searchHit(c, key, true))).toEqual(want);
      const list = await c.call('memory.list', { namespace: 'team' });
      const listed = list.entries.find((e) => e.key === key)!;
      expect(fieldsOf(listed as unknown as Record<string, unknown>)).toEqual(want);
      const many = await c.call('memory.getMany', { items: [{ key, namespace: 'team' }] });
      expect(fieldsOf(many.results[0]!.entry as unknown as Record<string, unknown>)).toEqual(want);
    }
  });
});
