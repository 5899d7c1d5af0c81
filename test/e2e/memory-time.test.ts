/**
 * Time and expiry (issue #18, items 5 and 6) through the real daemon: memory.changes
 * reports creates, updates and deletes since a time (paged, another session's private
 * changes never shown, gone with the session); an entry with ttlSeconds: 1 is invisible
 * to every read once it expires and deleted — as a delete, history kept and links gone —
 * when the memory.expire job runs; created/updated windows and time sorts on list and
 * search.
 */
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { AistackClient, RpcError } from '../../src/clients/client.js';
import { count } from '../helpers/backup-files.js';
import { cleanupAll, startDaemon } from '../helpers/daemon.js';
import { openSession } from '../helpers/session.js';
import { waitFor } from '../helpers/wait.js';

afterEach(cleanupAll);

const failure = (p: Promise<unknown>) =>
  p.then(
    () => expect.unreachable('should have failed'),
    (e: RpcError) => e,
  );

/** Waits until the clock has passed `iso` (ms), so what comes next is strictly later. */
async function after(iso: string): Promise<string> {
  const at = Date.parse(iso);
  await waitFor(() => Date.now() > at, `the clock to pass ${iso}`);
  return new Date(at + 1).toISOString();
}

async function allChanges(
  c: AistackClient,
  p: { since: string; sessionId?: string; sessionToken?: string },
) {
  const out = [];
  let cursor: string | undefined;
  do {
    const page = await c.call('memory.changes', { ...p, limit: 1, ...(cursor ? { cursor } : {}) });
    out.push(...page.changes);
    cursor = page.cursor ?? undefined;
  } while (cursor);
  return out;
}

describe('memory.changes', () => {
  it('reports an update, a delete and a create since a timestamp, paged; private changes only to their session', async () => {
    const d = await startDaemon();
    const c = await d.client();
    const s = await openSession(c);
    const other = await openSession(c);
    const put = (key: string, content: string, creds = s.creds, namespace?: string) =>
      c.call('memory.store', { key, content, ...(namespace ? { namespace } : {}), ...creds });
    await put('a', 'a1', s.creds, 'team');
    await put('b', 'b1', s.creds, 'team');
    await put('q', 'private of other', other.creds);
    const last = await put('untouched', 'u', s.creds, 'team');
    const since = await after(last.entry.updatedAt);

    const updated = await put('a', 'a2', s.creds, 'team');
    await after(updated.entry.updatedAt);
    await c.call('memory.delete', { key: 'b', namespace: 'team', ...s.creds });
    const deletedAt = Date.now();
    await put('d', 'd1', s.creds, 'team');
    await put('p', 'new private of other', other.creds);
    await c.call('memory.delete', { key: 'q', ...other.creds });

    const seen = await c.call('memory.changes', { since, ...s.creds });
    expect(seen.changes.map((x) => [x.kind, x.namespace, x.key, x.version])).toEqual([
      ['updated', 'team', 'a', 2],
      ['deleted', 'team', 'b', 1],
      ['created', 'team', 'd', 1],
    ]);
    expect(seen.changes[1]).toMatchObject({ reason: 'deleted' });
    expect(Date.parse(seen.changes[1]!.at)).toBeLessThanOrEqual(deletedAt);
    expect(seen).toMatchObject({ count: 3, cursor: null, truncated: false });
    // Paged one by one: the same changes in the same order.
    expect(await allChanges(c, { since, ...s.creds })).toEqual(seen.changes);
    // Without a session: shared namespaces only, the same three.
    expect((await c.call('memory.changes', { since })).changes).toEqual(seen.changes);

    // The other session sees its own private changes too; s never does.
    const theirs = await c.call('memory.changes', { since, ...other.creds });
    expect(theirs.changes.map((x) => [x.kind, x.key])).toEqual([
      ['updated', 'a'],
      ['deleted', 'b'],
      ['created', 'd'],
      ['created', 'p'],
      ['deleted', 'q'],
    ]);
    const refused = await failure(
      c.call('memory.changes', { since, namespace: other.namespace, ...s.creds }),
    );
    expect(refused.code).toBe('ACCESS_DENIED');

    // Ending the session takes its changes with it: no tombstone of its namespace is left.
    const db = join(d.dataDir, 'aistack.db');
    expect(
      count(db, 'SELECT count(*) FROM memory_tombstones WHERE namespace = ?', other.namespace),
    ).toBe(1);
    await c.call('session.end', other.creds);
    expect(
      count(db, 'SELECT count(*) FROM memory_tombstones WHERE namespace = ?', other.namespace),
    ).toBe(0);

    const bad = await failure(c.call('memory.changes', { since: 'yesterday' }));
    expect(bad.code).toBe('INVALID_PARAMS');
    const forged = await failure(c.call('memory.changes', { since, cursor: 'bm90LWEtY3Vyc29y' }));
    expect(forged.code).toBe('INVALID_PARAMS');
  });
});

describe('expiry', () => {
  it('an entry with ttlSeconds: 1 is invisible once expired and deleted by the memory.expire job, as a delete', async () => {
    const d = await startDaemon();
    const c = await d.client();
    const s = await openSession(c);
    const since = new Date(Date.now() - 1000).toISOString();
    const short = await c.call('memory.store', {
      key: 'short',
      content: 'ephemeral okapi',
      namespace: 'team',
      ttlSeconds: 1,
      ...s.creds,
    });
    // One second from the call (the write itself may commit a moment later).
    const ttl = Date.parse(short.entry.expiresAt!) - Date.parse(short.entry.updatedAt);
    expect(ttl).toBeGreaterThan(900);
    expect(ttl).toBeLessThanOrEqual(1000);
    await c.call('memory.store', {
      key: 'long',
      content: 'lasting okapi',
      namespace: 'team',
      ...s.creds,
    });
    await c.call('memory.link', {
      from: { key: 'long', namespace: 'team' },
      to: { key: 'short', namespace: 'team' },
      type: 'cites',
      ...s.creds,
    });
    expect((await c.call('memory.get', { key: 'short', namespace: 'team' })).entry.expiresAt).toBe(
      short.entry.expiresAt,
    );

    await waitFor(
      () =>
        c.call('memory.get', { key: 'short', namespace: 'team' }).then(
          () => false,
          (e: RpcError) => e.code === 'NOT_FOUND',
        ),
      'the entry to expire',
    );
    // No read shows it any more, though its row is still there until the job runs.
    const db = join(d.dataDir, 'aistack.db');
    expect(count(db, "SELECT count(*) FROM memory_entries WHERE key = 'short'")).toBe(1);
    const list = await c.call('memory.list', { namespace: 'team' });
    expect(list.entries.map((e) => e.key)).toEqual(['long']);
    const found = await c.call('memory.search', { query: 'okapi' });
    expect(found.results.map((r) => r.entry.key)).toEqual(['long']);
    const many = await c.call('memory.getMany', {
      items: [
        { key: 'short', namespace: 'team' },
        { key: 'long', namespace: 'team' },
      ],
    });
    expect(many.results.map((r) => r.found)).toEqual([false, true]);
    const related = await c.call('memory.related', { key: 'long', namespace: 'team' });
    expect(related.nodes.map((n) => n.key)).toEqual(['long']);
    expect(related.edges).toEqual([]);
    const fromExpired = await failure(
      c.call('memory.related', { key: 'short', namespace: 'team' }),
    );
    expect(fromExpired.code).toBe('NOT_FOUND');
    // Reported as deleted when it expired, before and after the job took its row.
    const changes = await c.call('memory.changes', { since, namespace: 'team' });
    expect(changes.changes.map((x) => [x.kind, x.key, x.reason])).toEqual([
      ['created', 'long', undefined],
      ['deleted', 'short', 'expired'],
    ]);
    const dry = await c.call('memory.deleteMany', {
      prefix: 's',
      namespace: 'team',
      dryRun: true,
      ...s.creds,
    });
    expect(dry.matched).toBe(0);

    // The job is listed, and deletes it as a delete: history kept, the link gone.
    const { jobs } = await c.call('system.jobs', {});
    expect(jobs.find((j) => j.name === 'memory.expire')).toMatchObject({
      enabled: true,
      schedule: '* * * * *',
    });
    const run = await c.call('jobs.run', { name: 'memory.expire' });
    expect(run).toMatchObject({ ok: true, result: { expired: 1 } });
    expect(count(db, "SELECT count(*) FROM memory_entries WHERE key = 'short'")).toBe(0);
    expect(count(db, 'SELECT count(*) FROM memory_links')).toBe(0);
    const h = await c.call('memory.history', { key: 'short', namespace: 'team' });
    expect(h).toMatchObject({ current: null, versions: [{ version: 1, change: 'deleted' }] });
    const later = await c.call('memory.changes', { since, namespace: 'team' });
    expect(later.changes[1]!.at).toBe(short.entry.expiresAt);
    expect(later.changes.map((x) => [x.kind, x.key, x.reason])).toEqual([
      ['created', 'long', undefined],
      ['deleted', 'short', 'expired'],
    ]);
    // The key starts afresh, after its kept version.
    const back = await c.call('memory.store', {
      key: 'short',
      content: 'again',
      namespace: 'team',
      ...s.creds,
    });
    expect(back).toMatchObject({ created: true, entry: { version: 2 } });
    expect(back.entry.expiresAt).toBeUndefined();
  });

  it('refuses an expiry in the past, and ttlSeconds with expiresAt; a store without one clears it', async () => {
    const d = await startDaemon();
    const c = await d.client();
    const s = await openSession(c);
    const at = { key: 'k', content: 'x', namespace: 'team', ...s.creds };
    const past = await failure(
      c.call('memory.store', { ...at, expiresAt: '2020-01-01T00:00:00Z' }),
    );
    expect(past.code).toBe('INVALID_PARAMS');
    expect(past.message).toMatch(/not in the future/);
    const both = await failure(
      c.call('memory.store', { ...at, ttlSeconds: 10, expiresAt: '2999-01-01T00:00:00+02:00' }),
    );
    expect(both.code).toBe('INVALID_PARAMS');
    expect((await failure(c.call('memory.store', { ...at, ttlSeconds: 0 }))).code).toBe(
      'INVALID_PARAMS',
    );
    const set = await c.call('memory.store', { ...at, expiresAt: '2999-01-01T02:00:00+02:00' });
    expect(set.entry.expiresAt).toBe('2999-01-01T00:00:00.000Z');
    // Append keeps the expiry; a plain store replaces the entry whole, expiry included.
    const appended = await c.call('memory.append', {
      key: 'k',
      namespace: 'team',
      content: 'y',
      ...s.creds,
    });
    expect(appended.entry.expiresAt).toBe('2999-01-01T00:00:00.000Z');
    const cleared = await c.call('memory.store', at);
    expect(cleared.entry.expiresAt).toBeUndefined();
  });
});

describe('time filters and sort', () => {
  it('list and search take created/updated windows and sort by either time, either way', async () => {
    const d = await startDaemon();
    const c = await d.client();
    const s = await openSession(c);
    const times: string[] = [];
    for (const key of ['one', 'two', 'three']) {
      const r = await c.call('memory.store', {
        key,
        content: `zebra ${key}`,
        namespace: 'zoo',
        ...s.creds,
      });
      times.push(r.entry.createdAt);
      await after(r.entry.createdAt);
    }
    // Updating "one" makes it the newest by update, still the oldest by creation.
    const upd = await c.call('memory.store', {
      key: 'one',
      content: 'zebra one again',
      namespace: 'zoo',
      ...s.creds,
    });
    const keys = (r: { entries: { key: string }[] }) => r.entries.map((e) => e.key);
    const list = (p: Record<string, unknown>) => c.call('memory.list', { namespace: 'zoo', ...p });

    expect(keys(await list({}))).toEqual(['one', 'three', 'two']);
    expect(keys(await list({ sort: 'created' }))).toEqual(['three', 'two', 'one']);
    expect(keys(await list({ sort: 'created', order: 'asc' }))).toEqual(['one', 'two', 'three']);
    expect(keys(await list({ order: 'asc' }))).toEqual(['two', 'three', 'one']);
    const after2 = await list({ createdAfter: times[1] });
    expect(keys(after2)).toEqual(['three', 'two']);
    expect(after2.total).toBe(2);
    expect(keys(await list({ createdBefore: times[1] }))).toEqual(['one']);
    expect(keys(await list({ updatedAfter: upd.entry.updatedAt }))).toEqual(['one']);
    expect(
      keys(await list({ updatedBefore: upd.entry.updatedAt, createdAfter: times[1] })),
    ).toEqual(['three', 'two']);
    // A sorted list pages by cursor without repeats or gaps.
    const first = await list({ sort: 'created', order: 'asc', limit: 2 });
    const rest = await list({ sort: 'created', order: 'asc', limit: 2, cursor: first.cursor });
    expect([...keys(first), ...keys(rest)]).toEqual(['one', 'two', 'three']);
    const wrongKind = await failure(list({ sort: 'updated', cursor: first.cursor }));
    expect(wrongKind.code).toBe('INVALID_PARAMS');

    const hits = (r: { results: { entry: { key: string } }[] }) =>
      r.results.map((x) => x.entry.key);
    const search = (p: Record<string, unknown>) =>
      c.call('memory.search', { query: 'zebra', namespace: 'zoo', ...p });
    expect(hits(await search({ createdAfter: times[1] })).sort()).toEqual(['three', 'two']);
    expect(hits(await search({ createdBefore: times[1] }))).toEqual(['one']);
    expect(hits(await search({ sort: 'created', order: 'asc' }))).toEqual(['one', 'two', 'three']);
    expect(hits(await search({ sort: 'updated' }))).toEqual(['one', 'three', 'two']);
    const sorted = await search({ sort: 'updated', limit: 1, offset: 1 });
    expect(sorted).toMatchObject({ mode: 'fts' });
    expect(hits(sorted)).toEqual(['three']);
    const notFts = await failure(search({ sort: 'created', mode: 'vector' }));
    expect(notFts.code).toBe('INVALID_PARAMS');
    const badTime = await failure(list({ createdAfter: '2026-13-40' }));
    expect(badTime.code).toBe('INVALID_PARAMS');
  });
});
