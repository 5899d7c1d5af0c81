/**
 * The read pool on its own, over a real database file: the same answers as the same
 * functions on this thread, every commit seen, a read stopped by its time limit (TIMEOUT,
 * a new worker, nothing changed), a bounded queue, round-robin between keys, and reads
 * whose caller left dropped or stopped. Runs the built worker (dist/), like the daemon.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AppError } from '../../src/core/errors.js';
import { buildFtsQuery } from '../../src/services/memory/fts-query.js';
import { ReadPool } from '../../src/services/reads/read-pool.js';
import { InlineReads } from '../../src/services/reads/reads.js';
import { openDatabase, openReadOnlyDatabase } from '../../src/store/database.js';
import { MemoryStore } from '../../src/store/memory/memory-store.js';
import { MIGRATIONS } from '../../src/store/schema.js';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A million characters in which `common` occurs everywhere: slow to rank and snippet. */
const BIG = 'common words repeated over and over in a large entry '
  .repeat(20_000)
  .slice(0, 1_000_000);

function database(bigEntries = 0) {
  const dir = mkdtempSync(join(tmpdir(), 'aistack-reads-'));
  const path = join(dir, 'test.db');
  const db = openDatabase({
    path,
    synchronous: 'normal',
    busyTimeoutMs: 1000,
    migrations: MIGRATIONS,
  });
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  cleanups.push(() => db.close());
  const store = new MemoryStore(db);
  const put = (namespace: string, key: string, content: string, tags: string[] = []) =>
    store.put({
      namespace,
      key,
      content,
      metadata: { n: key },
      tags,
      agentId: null,
      sessionId: null,
    });
  store.transaction(() => {
    for (let i = 0; i < 30; i++)
      put('small', `k${i}`, `hello world number ${i}`, i % 2 ? ['odd'] : []);
    for (let i = 0; i < bigEntries; i++) put('big', `big${i}`, BIG);
  });
  // Full-text rows are written behind (fts-pending.ts); the search path flushes them
  // before it hands a read to the pool, as this does.
  store.flushFullText();
  return { path, store, put };
}

function pool(path: string, o: { workers?: number; timeoutMs?: number; maxQueued?: number } = {}) {
  const p = new ReadPool({
    path,
    workers: o.workers ?? 2,
    busyTimeoutMs: 1000,
    timeoutMs: () => o.timeoutMs ?? 20_000,
    ...(o.maxQueued !== undefined ? { maxQueued: o.maxQueued } : {}),
  });
  cleanups.push(() => p.close());
  return p;
}

const bigSearch = {
  request: { query: 'common', limit: 100, offset: 0 },
  scope: { namespace: 'big' },
  filters: {},
};
const failure = (p: Promise<unknown>) =>
  p.then(
    () => undefined,
    (e: unknown) => e,
  );

describe('the read pool', () => {
  it('answers each task exactly as the same function does on this thread', async () => {
    const { path, store } = database();
    const reads = pool(path);
    const inline = new InlineReads({ memory: store });
    const call = { key: 1 };
    const cases = [
      ['memory.list', { scope: {}, filters: { tags: ['odd'] }, limit: 5, offset: 2 }],
      [
        'memory.fts',
        { request: { query: 'hello numb', limit: 7, offset: 1 }, scope: {}, filters: {} },
      ],
      ['memory.rank', { q: buildFtsQuery('world'), scope: {}, filters: {}, depth: 50 }],
      [
        'memory.entriesByRowid',
        { rowids: [3, 1, 2, 999], scope: { namespace: 'small' }, filters: {} },
      ],
      ['memory.exportPage', { scope: {}, after: 4, limit: 10 }],
    ] as const;
    for (const [name, args] of cases) {
      const off = await reads.run(name, args as never, call);
      expect(off, name).toEqual(await inline.run(name, args as never, call));
    }
    const odd = { scope: {}, filters: { tags: ['odd'] }, limit: 5, offset: 2 };
    expect((await reads.run('memory.list', odd, call)).total).toBe(15);
  });

  it('sees every commit made before the read was asked', async () => {
    const { path, put, store } = database();
    const reads = pool(path);
    for (let i = 0; i < 25; i++) {
      put('fresh', `f${i}`, `fresh entry zebra${i}`);
      store.flushFullText();
      const list = await reads.run(
        'memory.list',
        { scope: { namespace: 'fresh' }, filters: {}, limit: 1, offset: 0 },
        { key: 'x' },
      );
      expect(list.total).toBe(i + 1);
      expect(list.entries[0]!.key).toBe(`f${i}`);
      const found = await reads.run(
        'memory.fts',
        { request: { query: `zebra${i}`, limit: 5, offset: 0 }, scope: {}, filters: {} },
        { key: 'y' },
      );
      expect(found.results.map((r) => r.entry.key)).toEqual([`f${i}`]);
    }
  });

  it("a worker's connection cannot write", () => {
    const { path } = database();
    const db = openReadOnlyDatabase({ path, busyTimeoutMs: 100 });
    cleanups.push(() => db.close());
    expect(() => db.prepare('DELETE FROM memory_entries').run()).toThrow(/readonly/i);
  });

  it('stops a read over its time limit: TIMEOUT, nothing changed, and a new worker serves the next', async () => {
    const { path } = database(8);
    const reads = pool(path, { workers: 1, timeoutMs: 100 });
    const started = performance.now();
    const err = await failure(
      reads.run('memory.fts', bigSearch, { key: 1, label: 'memory.search' }),
    );
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe('TIMEOUT');
    expect((err as AppError).message).toMatch(
      /^memory\.search took longer than daemon\.queryTimeoutMs \(100 ms\)/,
    );
    expect(performance.now() - started).toBeLessThan(5_000);
    expect(reads.counts).toMatchObject({ timeouts: 1, workersStarted: 1 });
    const list = await reads.run(
      'memory.list',
      { scope: { namespace: 'big' }, filters: {}, limit: 1, offset: 0 },
      { key: 1 },
    );
    expect(list.total).toBe(8);
    expect(reads.counts.workersStarted).toBe(2);
  });

  it('refuses with BUSY past its queue bound, and close() ends what waits with SHUTTING_DOWN', async () => {
    const { path } = database(4);
    const reads = pool(path, { workers: 1, maxQueued: 3 });
    const running = failure(reads.run('memory.fts', bigSearch, { key: 'a' }));
    const waiting = [1, 2, 3].map((i) =>
      failure(
        reads.run('memory.list', { scope: {}, filters: {}, limit: 1, offset: 0 }, { key: i }),
      ),
    );
    expect(reads.queued).toBe(3);
    const refused = await failure(
      reads.run('memory.list', { scope: {}, filters: {}, limit: 1, offset: 0 }, { key: 'z' }),
    );
    expect((refused as AppError).code).toBe('BUSY');
    await reads.close();
    for (const e of [await running, ...(await Promise.all(waiting))]) {
      expect((e as AppError).code).toBe('SHUTTING_DOWN');
    }
    const after = await failure(
      reads.run('memory.list', { scope: {}, filters: {}, limit: 1, offset: 0 }, { key: 'a' }),
    );
    expect((after as AppError).code).toBe('SHUTTING_DOWN');
  });

  it('serves keys round-robin: one read from B comes before most of the 20 A queued first', async () => {
    const { path } = database();
    const reads = pool(path, { workers: 1 });
    const order: string[] = [];
    const list = { scope: {}, filters: {}, limit: 3, offset: 0 };
    const a = Array.from({ length: 20 }, (_, i) =>
      reads.run('memory.list', list, { key: 'A' }).then(() => order.push(`A${i}`)),
    );
    const b = reads.run('memory.list', list, { key: 'B' }).then(() => order.push('B'));
    await Promise.all([...a, b]);
    // A0 was running, A1 was next in the rotation; then B.
    expect(order.indexOf('B')).toBeLessThanOrEqual(2);
  });

  it('drops a waiting read whose caller left, and stops a running one after a short grace', async () => {
    const { path } = database(8);
    const reads = pool(path, { workers: 1 });
    const leaving = new AbortController();
    const reason = new AppError('TIMEOUT', 'the request ended');
    const running = failure(reads.run('memory.fts', bigSearch, { key: 1, signal: leaving.signal }));
    const queued = failure(reads.run('memory.fts', bigSearch, { key: 1, signal: leaving.signal }));
    expect(reads.queued).toBe(1);
    leaving.abort(reason);
    expect(await queued).toBe(reason);
    expect(await running).toBe(reason);
    expect(reads.queued).toBe(0);
    // The slow search is not let run to its end: its worker goes, a new one answers this.
    const next = await reads.run(
      'memory.list',
      { scope: { namespace: 'big' }, filters: {}, limit: 1, offset: 0 },
      { key: 2 },
    );
    expect(next.total).toBe(8);
    expect(reads.counts.workersStarted).toBe(2);
    const already = await failure(
      reads.run(
        'memory.list',
        { scope: {}, filters: {}, limit: 1, offset: 0 },
        { key: 1, signal: leaving.signal },
      ),
    );
    expect(already).toBe(reason);
  });
});
