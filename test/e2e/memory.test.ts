import Database from 'better-sqlite3';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AistackClient } from '../../src/clients/client.js';
import { RpcError } from '../../src/clients/client.js';
import { cleanupAll, startDaemon, type TestDaemon } from '../helpers/daemon.js';
import { openSession, type TestSession } from '../helpers/session.js';

let d: TestDaemon;
let c: AistackClient;
let s: TestSession;

beforeEach(async () => {
  d = await startDaemon();
  c = await d.client();
  s = await openSession(c);
});
afterEach(cleanupAll);

const err = (p: Promise<unknown>) =>
  p.then(
    () => expect.unreachable('should have failed'),
    (e: RpcError) => e,
  );

describe('memory.* through the daemon', () => {
  it('stores into the session namespace by default and names it in the result', async () => {
    const { entry, created } = await c.call('memory.store', {
      key: 'k1',
      content: 'hello world',
      ...s.creds,
    });
    expect(created).toBe(true);
    expect(entry).toMatchObject({
      key: 'k1',
      namespace: s.namespace,
      version: 1,
      sessionId: s.id,
      tags: [],
      metadata: {},
    });
    expect(entry.id).toMatch(/^[0-9a-f-]{36}$/);
    const got = await c.call('memory.get', { key: 'k1', ...s.creds });
    expect(got.entry).toEqual(entry);
  });

  it('updates an existing key, bumps version, and search finds the new text only', async () => {
    await c.call('memory.store', {
      key: 'doc',
      namespace: 'proj',
      content: 'the quick brown fox',
      tags: ['a'],
      ...s.creds,
    });
    const { entry, created } = await c.call('memory.store', {
      key: 'doc',
      namespace: 'proj',
      content: 'a lazy purple dog',
      tags: ['b'],
      metadata: { source: 'test' },
      ...s.creds,
    });
    expect(created).toBe(false);
    expect(entry.version).toBe(2);
    expect((await c.call('memory.search', { query: 'fox' })).count).toBe(0);
    const found = await c.call('memory.search', { query: 'purple' });
    expect(found.results.map((r) => r.entry.key)).toEqual(['doc']);
    expect(found.mode).toBe('fts'); // embeddings are off by default
    expect(found.results[0]).toMatchObject({
      matchType: 'fts',
      scores: { bm25: found.results[0]!.score },
      snippet: expect.stringContaining('[purple]'),
    });
    expect((await c.call('memory.list', { tags: ['a'] })).total).toBe(0);
    expect((await c.call('memory.list', { tags: ['b'] })).entries[0]!.metadata).toEqual({
      source: 'test',
    });
  });

  it('ranks by BM25 and filters by namespace and tags', async () => {
    const put = (key: string, namespace: string, content: string, tags: string[] = []) =>
      c.call('memory.store', { key, namespace, content, tags, ...s.creds });
    await put('a', 'n1', 'sqlite sqlite sqlite wal checkpoint', ['db']);
    await put('b', 'n1', 'sqlite is a small database and many other words fill this entry up', [
      'db',
      'x',
    ]);
    await put('c', 'n2', 'postgres database with sqlite mention', ['db']);
    const all = await c.call('memory.search', { query: 'sqlite' });
    expect(all.results.map((r) => r.entry.key)[0]).toBe('a');
    expect(all.results.every((r, i, a) => i === 0 || a[i - 1]!.score >= r.score)).toBe(true);
    expect(
      (await c.call('memory.search', { query: 'sqlite', namespace: 'n2' })).results.map(
        (r) => r.entry.key,
      ),
    ).toEqual(['c']);
    expect(
      (await c.call('memory.search', { query: 'sqlite', tags: ['db', 'x'] })).results.map(
        (r) => r.entry.key,
      ),
    ).toEqual(['b']);
    expect((await c.call('memory.search', { query: 'postgres wal', match: 'any' })).count).toBe(2);
    expect((await c.call('memory.search', { query: 'postgres wal' })).count).toBe(0);
    expect((await c.call('memory.search', { query: 'checkp' })).results[0]!.entry.key).toBe('a');
  });

  it('never errors on FTS5 operators or punctuation in a query', async () => {
    await c.call('memory.store', {
      key: 'q',
      namespace: 'ops',
      content: 'foo bar AND baz NEAR qux',
      ...s.creds,
    });
    const nasty = [
      '"foo* OR (bar -:\'',
      '"',
      '*',
      '(',
      ')',
      '-',
      ':',
      "'",
      'AND',
      'OR',
      'NOT',
      'NEAR',
      '^',
      'NEAR(foo bar)',
      'foo:bar',
      '^foo',
      '"""',
      'col:foo',
      '-foo',
      'foo AND',
      'OR OR OR',
      '{key}: foo',
      '\\',
      '%',
      '*foo',
    ];
    for (const query of nasty) {
      const r = await c.call('memory.search', { query });
      expect(Array.isArray(r.results), query).toBe(true);
    }
    expect(
      (await c.call('memory.search', { query: 'AND' })).results.map((r) => r.entry.key),
    ).toEqual(['q']);
    expect((await c.call('memory.search', { query: 'foo* AND (bar' })).count).toBe(1);
    expect((await c.call('memory.search', { query: 'foo* OR (bar' })).count).toBe(0); // "or" is a word here, and absent
  });

  it('handles accents, CJK and emoji in content and queries', async () => {
    const put = (key: string, content: string) =>
      c.call('memory.store', { key, namespace: 'intl', content, ...s.creds });
    await put('fr', 'Une crème brûlée à Paris');
    await put('ja', '東京タワーに行きました。とても高かったです。');
    await put('zh', '我们在北京吃了烤鸭');
    await put('ko', '서울특별시 한강 공원');
    await put('emoji', 'party time 🎉 with 🍕 pizza');
    const keys = async (query: string) =>
      (await c.call('memory.search', { query })).results.map((r) => r.entry.key);
    expect(await keys('creme brulee')).toEqual(['fr']);
    expect(await keys('BRÛLÉE')).toEqual(['fr']);
    expect(await keys('東京タワー')).toEqual(['ja']);
    expect(await keys('北京')).toEqual(['zh']);
    expect(await keys('한강')).toEqual(['ko']);
    expect(await keys('pizza 🍕')).toEqual(['emoji']);
    expect(await keys('🎉')).toEqual([]);
    const { entry } = await c.call('memory.get', { key: 'emoji', namespace: 'intl' });
    expect(entry.content).toBe('party time 🎉 with 🍕 pizza');
    await c.call('memory.store', {
      key: 'ключ-🔑',
      namespace: 'intl',
      content: 'ünïcödé key',
      ...s.creds,
    });
    expect((await c.call('memory.get', { key: 'ключ-🔑', namespace: 'intl' })).entry.content).toBe(
      'ünïcödé key',
    );
  });

  it('deletes an entry and removes it from get, list and search', async () => {
    await c.call('memory.store', {
      key: 'gone',
      namespace: 'tmp',
      content: 'ephemeral marmalade',
      ...s.creds,
    });
    expect(
      (await c.call('memory.delete', { key: 'gone', namespace: 'tmp', ...s.creds })).deleted,
    ).toBe(true);
    expect((await err(c.call('memory.get', { key: 'gone', namespace: 'tmp' }))).code).toBe(
      'NOT_FOUND',
    );
    expect((await c.call('memory.search', { query: 'marmalade' })).count).toBe(0);
    expect((await c.call('memory.list', { namespace: 'tmp' })).total).toBe(0);
    expect(
      (await c.call('memory.delete', { key: 'gone', namespace: 'tmp', ...s.creds })).deleted,
    ).toBe(false);
  });

  it('lists newest first with total, limit and offset, and counts namespaces', async () => {
    for (let i = 0; i < 5; i++) {
      await c.call('memory.store', {
        key: `k${i}`,
        namespace: 'page',
        content: `entry ${i}`,
        ...s.creds,
      });
    }
    const first = await c.call('memory.list', { namespace: 'page', limit: 2 });
    expect(first.total).toBe(5);
    expect(first.entries.map((e) => e.key)).toEqual(['k4', 'k3']);
    expect(first.entries[0]).toMatchObject({ preview: 'entry 4', size: 7, cut: false });
    expect(first.entries[0]).not.toHaveProperty('content');
    expect(first.truncated).toBe(false);
    const next = await c.call('memory.list', { namespace: 'page', limit: 2, offset: 2 });
    expect(next.entries.map((e) => e.key)).toEqual(['k2', 'k1']);
    // The cursor continues after the last entry of its page; the last page has none.
    const byCursor = await c.call('memory.list', {
      namespace: 'page',
      limit: 2,
      cursor: first.cursor!,
    });
    expect(byCursor.entries.map((e) => e.key)).toEqual(['k2', 'k1']);
    const last = await c.call('memory.list', {
      namespace: 'page',
      limit: 2,
      cursor: byCursor.cursor!,
    });
    expect(last.entries.map((e) => e.key)).toEqual(['k0']);
    expect(last.cursor).toBeNull();
    const whole = await c.call('memory.list', { namespace: 'page', limit: 2, content: true });
    expect(whole.entries[0]).toMatchObject({ content: 'entry 4', size: 7, cut: false });
    expect(whole.entries[0]).not.toHaveProperty('preview');
    await c.call('memory.store', { key: 'mine', content: 'x', ...s.creds });
    const { namespaces } = await c.call('memory.namespaces', s.creds);
    expect(namespaces).toEqual([
      { namespace: 'page', count: 5 },
      { namespace: s.namespace, count: 1 },
    ]);
  });

  it('enforces every limit with -32602 naming the field, and writes nothing', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ key: '', content: 'x' }, 'key'],
      [{ key: 'k'.repeat(256), content: 'x' }, 'key'],
      [{ key: 'bad\u0000key', content: 'x' }, 'key'],
      [{ key: 'k', content: 'x'.repeat(1_000_001) }, 'content'],
      [{ key: 'k', content: 'x', namespace: 'n'.repeat(101) }, 'namespace'],
      [{ key: 'k', content: 'x', namespace: 'has space' }, 'namespace'],
      [{ key: 'k', content: 'x', namespace: '../etc' }, 'namespace'],
      [{ key: 'k', content: 'x', metadata: [1, 2] }, 'metadata'],
      [{ key: 'k', content: 'x', metadata: { big: 'y'.repeat(70_000) } }, 'metadata'],
      [{ key: 'k', content: 'x', tags: Array.from({ length: 33 }, (_, i) => `t${i}`) }, 'tags'],
      [{ key: 'k', content: 'x', tags: [''] }, 'tags.0'],
      [{ key: 'k', content: 'x', surprise: 1 }, ''],
    ];
    for (const [params, field] of cases) {
      const e = await err(
        c.call('memory.store', {
          ...params,
          namespace: params.namespace ?? 'lim',
          ...s.creds,
        } as never),
      );
      expect(e.rpcCode, JSON.stringify(params).slice(0, 80)).toBe(-32602);
      const paths = (e.data!.issues as { path: string }[]).map((i) => i.path);
      expect(paths, field).toContain(field);
    }
    expect((await c.call('memory.list', {})).total).toBe(0);
    d.daemon.db.pragma('wal_checkpoint(PASSIVE)');
    const db = new Database(join(d.dataDir, 'aistack.db'), { readonly: true });
    expect(db.prepare('SELECT count(*) AS n FROM memory_entries').get()).toEqual({ n: 0 });
    expect(
      db.prepare("SELECT count(*) AS n FROM memory_fts WHERE memory_fts MATCH 'x'").get(),
    ).toEqual({ n: 0 });
    db.close();
    const max = await c.call('memory.store', {
      key: 'k'.repeat(255),
      content: 'y'.repeat(1_000_000),
      namespace: 'lim',
      ...s.creds,
    });
    expect(max.entry.content.length).toBe(1_000_000);
  });

  it('keeps entries across a daemon restart', async () => {
    await c.call('memory.store', {
      key: 'durable',
      namespace: 'keep',
      content: 'survives restarts',
      ...s.creds,
    });
    await d.stop();
    const again = await startDaemon({ dir: d.dir });
    const c2 = await again.client();
    expect((await c2.call('memory.get', { key: 'durable', namespace: 'keep' })).entry.content).toBe(
      'survives restarts',
    );
    expect((await c2.call('memory.search', { query: 'survives' })).count).toBe(1);
  });
});
