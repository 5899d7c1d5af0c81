/**
 * History and append (issue #18, items 2 and 3) through the real daemon: every update
 * and delete keeps the version it replaced, bounded by memory.history.keep and trimmed
 * by the memory.historyPrune job; restoring writes a new version; a pruned version is
 * NOT_FOUND naming those kept; a session's history goes with it. Appends from many
 * clients at once all land.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { RpcError } from '../../src/clients/client.js';
import { cleanupAll, startDaemon } from '../helpers/daemon.js';
import { openSession } from '../helpers/session.js';

afterEach(cleanupAll);

const failure = (p: Promise<unknown>) =>
  p.then(
    () => expect.unreachable('should have failed'),
    (e: RpcError) => e,
  );

describe('memory.history and memory.restoreVersion', () => {
  it('keeps each replaced version, restores one as a new version, and restores a deleted entry', async () => {
    const d = await startDaemon();
    const c = await d.client();
    const s = await openSession(c);
    const at = { key: 'plan', namespace: 'team' };
    await c.call('memory.store', { ...at, content: 'v1 text', tags: ['one'], ...s.creds });
    await c.call('memory.store', {
      ...at,
      content: 'v2 text',
      metadata: { m: 2 },
      ...s.creds,
    });
    await c.call('memory.store', { ...at, content: 'v3 text', ...s.creds });

    const h = await c.call('memory.history', at);
    expect(h.current).toBe(3);
    expect(h.versions.map((v) => [v.version, v.preview, v.change])).toEqual([
      [2, 'v2 text', 'updated'],
      [1, 'v1 text', 'updated'],
    ]);
    expect(h.versions[1]).toMatchObject({ tags: ['one'], sessionId: s.id, size: 7, cut: false });
    const one = await c.call('memory.history', { ...at, version: 2 });
    expect(one.versions).toHaveLength(1);
    expect(one.versions[0]).toMatchObject({ version: 2, content: 'v2 text', metadata: { m: 2 } });

    const restored = await c.call('memory.restoreVersion', { ...at, version: 1, ...s.creds });
    expect(restored.restoredFrom).toBe(1);
    expect(restored.entry).toMatchObject({ version: 4, content: 'v1 text', tags: ['one'] });
    // The version it replaced (3) is in history now too.
    const after = await c.call('memory.history', at);
    expect(after.versions.map((v) => v.version)).toEqual([3, 2, 1]);

    // A delete keeps the last version; the entry can come back, and goes on counting.
    await c.call('memory.delete', { ...at, ...s.creds });
    const deleted = await c.call('memory.history', at);
    expect(deleted.current).toBeNull();
    expect(deleted.versions[0]).toMatchObject({
      version: 4,
      change: 'deleted',
      preview: 'v1 text',
    });
    const back = await c.call('memory.restoreVersion', { ...at, version: 2, ...s.creds });
    expect(back.entry).toMatchObject({ version: 5, content: 'v2 text', metadata: { m: 2 } });
    const stored = await c.call('memory.store', { key: 'other', content: 'x', ...s.creds });
    expect(stored.entry.version).toBe(1);

    const missing = await failure(c.call('memory.history', { key: 'never', namespace: 'team' }));
    expect(missing.code).toBe('NOT_FOUND');
  });

  it('keeps at most memory.history.keep versions; a pruned one is NOT_FOUND naming those kept; the job trims after a lower keep', async () => {
    const d = await startDaemon({ config: { memory: { history: { keep: 3 } } } });
    const c = await d.client();
    const s = await openSession(c);
    const at = { key: 'k', namespace: 'team' };
    for (let i = 1; i <= 8; i++)
      await c.call('memory.store', { ...at, content: `v${i}`, ...s.creds });
    const h = await c.call('memory.history', at);
    expect(h.versions.map((v) => v.version)).toEqual([7, 6, 5]);
    const pruned = await failure(
      c.call('memory.restoreVersion', { ...at, version: 2, ...s.creds }),
    );
    expect(pruned.code).toBe('NOT_FOUND');
    expect(pruned.message).toBe(
      'version 2 of "k" in namespace team is not kept (kept: 5, 6, 7; current: 8)',
    );
    expect(pruned.data).toMatchObject({ versions: [5, 6, 7], current: 8 });
    const nothing = await c.call('memory.get', at);
    expect(nothing.entry).toMatchObject({ version: 8, content: 'v8' });

    // The job is listed and trims every key to the keep in force.
    const { jobs } = await c.call('system.jobs', {});
    const job = jobs.find((j) => j.name === 'memory.historyPrune');
    expect(job).toMatchObject({ enabled: true, schedule: '40 * * * *' });
    expect(job!.nextRun).not.toBeNull();
    const { writeFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    writeFileSync(
      join(d.dir, 'aistack.config.json'),
      JSON.stringify({ memory: { history: { keep: 1 } } }),
      { mode: 0o600 },
    );
    await c.call('config.reload', {});
    const run = await c.call('jobs.run', { name: 'memory.historyPrune' });
    expect(run).toMatchObject({ ok: true, result: { pruned: 2 } });
    expect((await c.call('memory.history', at)).versions.map((v) => v.version)).toEqual([7]);
  });

  it("another session's history is ACCESS_DENIED as its get is, and ending a session removes its history", async () => {
    const d = await startDaemon();
    const ca = await d.client();
    const cb = await d.client();
    const A = await openSession(ca);
    const B = await openSession(cb);
    await ca.call('memory.store', { key: 'p', content: 'first private', ...A.creds });
    await ca.call('memory.store', { key: 'p', content: 'second private', ...A.creds });
    await ca.call('memory.store', { key: 'shared', namespace: 't', content: 'one', ...A.creds });
    await ca.call('memory.store', { key: 'shared', namespace: 't', content: 'two', ...A.creds });
    expect((await ca.call('memory.history', { key: 'p', ...A.creds })).versions).toHaveLength(1);
    for (const call of [
      cb.call('memory.history', { key: 'p', namespace: A.namespace, ...B.creds }),
      cb.call('memory.history', { key: 'p', namespace: A.namespace }),
      cb.call('memory.restoreVersion', {
        key: 'p',
        namespace: A.namespace,
        version: 1,
        ...B.creds,
      }),
    ])
      expect((await failure(call)).code).toBe('ACCESS_DENIED');

    await ca.call('session.end', { ...A.creds });
    // The owner reads the file directly: no history row of the session's namespace is left.
    const Database = (await import('better-sqlite3')).default;
    const { join } = await import('node:path');
    const db = new Database(join(d.dataDir, 'aistack.db'), { readonly: true });
    try {
      const rows = db
        .prepare('SELECT namespace, key FROM memory_history ORDER BY namespace')
        .all() as { namespace: string }[];
      expect(rows).toEqual([{ namespace: 't', key: 'shared' }]);
    } finally {
      db.close();
    }
  });
});

describe('memory.append', () => {
  it('8 clients appending to one entry at once lose no text, and the version counts every append', async () => {
    const d = await startDaemon();
    const clients = await Promise.all(Array.from({ length: 8 }, () => d.client()));
    const sessions = await Promise.all(clients.map((c) => openSession(c)));
    const at = { key: 'log', namespace: 'shared-log' };
    const perClient = 25;
    await Promise.all(
      clients.map(async (c, i) => {
        for (let n = 0; n < perClient; n++)
          await c.call('memory.append', { ...at, content: `c${i}-n${n}`, ...sessions[i]!.creds });
      }),
    );
    const { entry } = await clients[0]!.call('memory.get', at);
    const lines = entry.content.split('\n');
    expect(lines).toHaveLength(8 * perClient);
    expect(new Set(lines).size).toBe(8 * perClient);
    for (let i = 0; i < 8; i++) {
      const mine = lines.filter((l) => l.startsWith(`c${i}-`));
      // Each client's own appends land in the order it made them.
      expect(mine).toEqual(Array.from({ length: perClient }, (_, n) => `c${i}-n${n}`));
    }
    expect(entry.version).toBe(8 * perClient);
    // Search finds appended words, as after a store.
    const found = await clients[0]!.call('memory.search', {
      query: 'c7-n24',
      namespace: at.namespace,
    });
    expect(found.results.map((r) => r.entry.key)).toEqual(['log']);
  });

  it('creates a missing entry, keeps tags and metadata, and refuses past the content limit writing nothing', async () => {
    const d = await startDaemon();
    const c = await d.client();
    const s = await openSession(c);
    const first = await c.call('memory.append', { key: 'a', content: 'start', ...s.creds });
    expect(first).toMatchObject({
      created: true,
      entry: { namespace: s.namespace, version: 1, size: 5 },
    });
    await c.call('memory.store', {
      key: 'b',
      content: 'x'.repeat(999_990),
      tags: ['t'],
      metadata: { m: 1 },
      ...s.creds,
    });
    const ok = await c.call('memory.append', {
      key: 'b',
      content: 'yyyy',
      separator: ' ',
      ...s.creds,
    });
    expect(ok).toMatchObject({
      created: false,
      entry: { size: 999_995, tags: ['t'], metadata: { m: 1 }, version: 2 },
    });
    expect(JSON.stringify(ok).length).toBeLessThan(2000);
    const tooMuch = await failure(
      c.call('memory.append', { key: 'b', content: 'z'.repeat(6), ...s.creds }),
    );
    expect(tooMuch.code).toBe('INVALID_PARAMS');
    expect(tooMuch.message).toBe(
      'appending would make "b" 1000002 characters long, past the limit of 1000000',
    );
    const { entry } = await c.call('memory.get', { key: 'b', ...s.creds });
    expect(entry.version).toBe(2);
    expect(entry.content.endsWith(' yyyy')).toBe(true);
    expect((await failure(c.call('memory.append', { key: 'b', content: 'q' }))).code).toBe(
      'SESSION_REQUIRED',
    );
  });
});
