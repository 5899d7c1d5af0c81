/**
 * Batches, changes and expiry through the official MCP client (issue #18): a batch with
 * one bad item writes nothing and names it; another connection's private changes never
 * show in memory_changes; an entry stored with ttlSeconds: 1 is gone from reads once it
 * expires.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { callOk, closeShimsAndCleanup, daemonAndTwoShims, textOf } from '../helpers/mcp.js';
import { waitFor } from '../helpers/wait.js';

afterEach(closeShimsAndCleanup);

describe('MCP: batches, changes and expiry', () => {
  it('a storeMany with one bad item writes nothing and names it; changes stay private; a 1 s entry expires', async () => {
    const { a, b } = await daemonAndTwoShims();
    const since = new Date(Date.now() - 1000).toISOString();
    const { session: sa } = await callOk(a, 'session_status', {});

    const bad = await a.call('memory_store_many', {
      items: [
        { key: 'one', content: 'one', namespace: 'kb' },
        { key: 'two', content: 'two', namespace: 'kb', expiresAt: '2001-01-01T00:00:00Z' },
      ],
    });
    expect(bad.isError).toBe(true);
    // The issue names the item by its path in the params, as an invalid field would be.
    expect(textOf(bad)).toMatch(/items\.1\.expiresAt/);
    const none = await callOk(a, 'memory_get_many', { items: [{ key: 'one', namespace: 'kb' }] });
    expect(none.results[0]).toMatchObject({ found: false });

    await callOk(a, 'memory_store_many', {
      items: [
        { key: 'mine', content: 'private to a' },
        { key: 'brief', content: 'short-lived', namespace: 'kb', ttlSeconds: 1 },
      ],
    });
    const seenByA = await callOk(a, 'memory_changes', { since });
    expect(seenByA.changes.map((c: { key: string }) => c.key).sort()).toEqual(['brief', 'mine']);
    const seenByB = await callOk(b, 'memory_changes', { since });
    expect(seenByB.changes.map((c: { key: string }) => c.key)).toEqual(['brief']);
    const refused = await b.call('memory_changes', { since, namespace: sa.namespace });
    expect(refused.isError).toBe(true);

    await waitFor(async () => {
      const r = await callOk(b, 'memory_get_many', { items: [{ key: 'brief', namespace: 'kb' }] });
      return r.results[0].found === false;
    }, 'the entry to expire');
    const listed = await callOk(b, 'memory_list', { namespace: 'kb' });
    expect(listed.entries).toEqual([]);
  });
});
