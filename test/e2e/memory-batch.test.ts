/**
 * Batches (issue #18, item 4) through the real daemon: memory.storeMany is all or
 * nothing (one bad item — invalid, refused, expired — writes nothing and is named by its
 * index), memory.getMany answers found and not-found per item and never reveals another
 * session's entry, memory.deleteMany by items or by key prefix with a dry run first.
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

describe('memory.storeMany', () => {
  it('writes every item in one call, each where memory.store would put it', async () => {
    const d = await startDaemon();
    const c = await d.client();
    const s = await openSession(c);
    const r = await c.call('memory.storeMany', {
      items: [
        { key: 'a', content: 'alpha', namespace: 'team', tags: ['x'] },
        { key: 'b', content: 'beta' },
        { key: 'c', content: 'gamma', namespace: 'team', ttlSeconds: 3600 },
      ],
      ...s.creds,
    });
    expect(r).toMatchObject({ created: 3, updated: 0 });
    expect(r.results.map((x) => [x.namespace, x.key, x.version, x.created])).toEqual([
      ['team', 'a', 1, true],
      [s.namespace, 'b', 1, true],
      ['team', 'c', 1, true],
    ]);
    expect(Date.parse(r.results[2]!.expiresAt!)).toBeGreaterThan(Date.now() + 3500_000);
    const again = await c.call('memory.storeMany', {
      items: [{ key: 'a', content: 'alpha 2', namespace: 'team' }],
      ...s.creds,
    });
    expect(again).toMatchObject({ created: 0, updated: 1, results: [{ version: 2 }] });
    const got = await c.call('memory.get', { key: 'a', namespace: 'team' });
    expect(got.entry).toMatchObject({ content: 'alpha 2', tags: [] });
  });

  it('one bad item writes nothing and is named: invalid params, a refused namespace, a past expiry', async () => {
    const d = await startDaemon();
    const c = await d.client();
    const a = await openSession(c);
    const b = await openSession(c);
    await c.call('memory.store', { key: 'k1', content: 'before', namespace: 'team', ...b.creds });
    const good = (i: number) => ({ key: `k${i}`, content: `new ${i}`, namespace: 'team' });

    const invalid = await failure(
      c.call('memory.storeMany', {
        items: [good(1), good(2), { key: '', content: 'x' }, good(4)],
        ...b.creds,
      }),
    );
    expect(invalid.code).toBe('INVALID_PARAMS');
    expect(JSON.stringify(invalid.data)).toContain('"path":"items.2.key"');

    const refused = await failure(
      c.call('memory.storeMany', {
        items: [good(1), good(2), { key: 'x', content: 'x', namespace: a.namespace }],
        ...b.creds,
      }),
    );
    expect(refused.code).toBe('ACCESS_DENIED');
    expect(refused.message).toMatch(/^item 2: /);
    expect(refused.data).toMatchObject({ index: 2, namespace: a.namespace });

    const past = await failure(
      c.call('memory.storeMany', {
        items: [good(1), { ...good(2), expiresAt: '2001-01-01T00:00:00Z' }],
        ...b.creds,
      }),
    );
    expect(past.code).toBe('INVALID_PARAMS');
    expect(past.data).toMatchObject({ index: 1 });
    expect(JSON.stringify(past.data)).toContain('"path":"items.1.expiresAt"');

    const both = await failure(
      c.call('memory.storeMany', {
        items: [{ ...good(1), ttlSeconds: 5, expiresAt: '2999-01-01T00:00:00Z' }],
        ...b.creds,
      }),
    );
    expect(both.code).toBe('INVALID_PARAMS');

    // Nothing of any of them landed: k1 as it was, k2 never written, history untouched.
    expect((await c.call('memory.get', { key: 'k1', namespace: 'team' })).entry).toMatchObject({
      content: 'before',
      version: 1,
    });
    expect((await failure(c.call('memory.get', { key: 'k2', namespace: 'team' }))).code).toBe(
      'NOT_FOUND',
    );
    expect((await c.call('memory.history', { key: 'k1', namespace: 'team' })).versions).toEqual([]);
  });

  it('refuses more than 500 items and a call without a session', async () => {
    const d = await startDaemon();
    const c = await d.client();
    const s = await openSession(c);
    const items = Array.from({ length: 501 }, (_, i) => ({ key: `k${i}`, content: 'x' }));
    expect((await failure(c.call('memory.storeMany', { items, ...s.creds }))).code).toBe(
      'INVALID_PARAMS',
    );
    const none = await failure(c.call('memory.storeMany', { items: items.slice(0, 2) }));
    expect(none.code).toBe('SESSION_REQUIRED');
  });
});

describe('memory.getMany', () => {
  it("answers found and not-found per item; another session's namespace is refused, naming the item", async () => {
    const d = await startDaemon();
    const c = await d.client();
    const a = await openSession(c);
    const b = await openSession(c);
    await c.call('memory.store', { key: 'mine', content: 'private to b', ...b.creds });
    await c.call('memory.store', {
      key: 'shared',
      content: 'for all',
      namespace: 'team',
      ...b.creds,
    });
    await c.call('memory.store', { key: 'secret', content: 'private to a', ...a.creds });

    const r = await c.call('memory.getMany', {
      items: [
        { key: 'shared', namespace: 'team' },
        { key: 'nope', namespace: 'team' },
        { key: 'mine' },
        { key: 'secret' }, // b's own namespace: a's entry of that key is not there
      ],
      ...b.creds,
    });
    expect(r).toMatchObject({ found: 2, missing: 2, truncated: false, next: null });
    expect(r.results.map((x) => [x.index, x.namespace, x.key, x.found])).toEqual([
      [0, 'team', 'shared', true],
      [1, 'team', 'nope', false],
      [2, b.namespace, 'mine', true],
      [3, b.namespace, 'secret', false],
    ]);
    expect(r.results[0]!.entry).toMatchObject({ content: 'for all', size: 7, cut: false });

    // Naming a's namespace: refused whether or not the key exists there, so nothing is revealed.
    for (const key of ['secret', 'no-such-key']) {
      const e = await failure(
        c.call('memory.getMany', {
          items: [
            { key: 'shared', namespace: 'team' },
            { key, namespace: a.namespace },
          ],
          ...b.creds,
        }),
      );
      expect(e.code).toBe('ACCESS_DENIED');
      expect(e.data).toMatchObject({ index: 1 });
      expect(e.message).not.toContain('private to a');
    }
  });

  it('stops at the reply budget and says where to go on', async () => {
    const d = await startDaemon({ config: { daemon: { replyBudgetBytes: 256 * 1024 } } });
    const c = await d.client();
    const s = await openSession(c);
    const big = 'y'.repeat(100_000);
    const items = Array.from({ length: 5 }, (_, i) => ({ key: `big${i}`, content: big }));
    await c.call('memory.storeMany', { items, ...s.creds });
    const r = await c.call('memory.getMany', {
      items: items.map(({ key }) => ({ key })),
      ...s.creds,
    });
    expect(r.truncated).toBe(true);
    expect(r.results.length).toBe(r.next);
    expect(r.next).toBeGreaterThan(0);
    expect(r.results.every((x) => x.entry?.content === big)).toBe(true);
    const rest = await c.call('memory.getMany', {
      items: items.slice(r.next!).map(({ key }) => ({ key })),
      ...s.creds,
    });
    expect(rest.results[0]).toMatchObject({ key: `big${r.next}`, found: true });
  });
});

describe('memory.deleteMany', () => {
  it('by prefix: a dry run lists without deleting, then the call deletes; other keys stay', async () => {
    const d = await startDaemon();
    const c = await d.client();
    const s = await openSession(c);
    const keys = ['tmp/1', 'tmp/2', 'tmp/3', 'tmq', 'tmp', 'keep/1'];
    await c.call('memory.storeMany', {
      items: keys.map((key) => ({ key, content: key, namespace: 'team' })),
      ...s.creds,
    });
    const dry = await c.call('memory.deleteMany', {
      prefix: 'tmp/',
      namespace: 'team',
      dryRun: true,
      ...s.creds,
    });
    expect(dry).toMatchObject({ dryRun: true, deleted: 0, matched: 3, remaining: 3 });
    expect(dry.results.map((r) => r.key)).toEqual(['tmp/1', 'tmp/2', 'tmp/3']);
    expect((await c.call('memory.list', { namespace: 'team' })).total).toBe(6);

    const done = await c.call('memory.deleteMany', {
      prefix: 'tmp/',
      namespace: 'team',
      ...s.creds,
    });
    expect(done).toMatchObject({ dryRun: false, deleted: 3, matched: 3, remaining: 0 });
    const left = await c.call('memory.list', { namespace: 'team' });
    expect(left.entries.map((e) => e.key).sort()).toEqual(['keep/1', 'tmp', 'tmq']);
    // Each went as a delete does: its last version kept in history.
    const h = await c.call('memory.history', { key: 'tmp/2', namespace: 'team' });
    expect(h).toMatchObject({ current: null, versions: [{ change: 'deleted' }] });
  });

  it('by prefix: at most 500 per call, remaining says how many are left', async () => {
    const d = await startDaemon();
    const c = await d.client();
    const s = await openSession(c);
    for (let n = 0; n < 2; n++) {
      const items = Array.from({ length: 300 }, (_, i) => ({
        key: `p/${n}-${i}`,
        content: 'x',
      }));
      await c.call('memory.storeMany', { items, ...s.creds });
    }
    const first = await c.call('memory.deleteMany', { prefix: 'p/', ...s.creds });
    expect(first).toMatchObject({ deleted: 500, remaining: 100 });
    const second = await c.call('memory.deleteMany', { prefix: 'p/', ...s.creds });
    expect(second).toMatchObject({ deleted: 100, remaining: 0 });
  });

  it('by items: per-item found, all or nothing when one is refused', async () => {
    const d = await startDaemon();
    const c = await d.client();
    const a = await openSession(c);
    const b = await openSession(c);
    await c.call('memory.store', { key: 'x', content: 'x', namespace: 'team', ...b.creds });
    await c.call('memory.store', { key: 'y', content: 'y', ...b.creds });
    await c.call('memory.store', { key: 'z', content: 'z', ...a.creds });

    const refused = await failure(
      c.call('memory.deleteMany', {
        items: [
          { key: 'x', namespace: 'team' },
          { key: 'z', namespace: a.namespace },
        ],
        ...b.creds,
      }),
    );
    expect(refused.code).toBe('ACCESS_DENIED');
    expect(refused.data).toMatchObject({ index: 1 });
    expect((await c.call('memory.get', { key: 'x', namespace: 'team' })).entry.key).toBe('x');

    const r = await c.call('memory.deleteMany', {
      items: [{ key: 'x', namespace: 'team' }, { key: 'gone', namespace: 'team' }, { key: 'y' }],
      ...b.creds,
    });
    expect(r).toMatchObject({ deleted: 2, matched: 2 });
    expect(r.results.map((x) => [x.namespace, x.key, x.found])).toEqual([
      ['team', 'x', true],
      ['team', 'gone', false],
      [b.namespace, 'y', true],
    ]);
    expect((await c.call('memory.get', { key: 'z', ...a.creds })).entry.content).toBe('z');

    const both = await failure(
      c.call('memory.deleteMany', { items: [{ key: 'x' }], prefix: 'x', ...b.creds }),
    );
    expect(both.code).toBe('INVALID_PARAMS');
  });
});
