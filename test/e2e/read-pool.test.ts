/**
 * Reads off the event loop, through the real daemon: a slow search on one connection
 * leaves another's pings fast; a read over `daemon.queryTimeoutMs` is TIMEOUT and the
 * daemon (and the next search) carries on; one connection's 100 queued lists cannot keep
 * another's single search waiting; a restore with the pool running serves the restored
 * file; and a read after an acknowledged write, on any connection, sees it.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { RpcError, type AistackClient } from '../../src/clients/client.js';
import { ReadPool } from '../../src/services/reads/read-pool.js';
import { InlineReads } from '../../src/services/reads/reads.js';
import { cleanupAll, startDaemon, tempDir, type TestDaemon } from '../helpers/daemon.js';
import { openSession } from '../helpers/session.js';
import { track, waitFor } from '../helpers/wait.js';

afterEach(cleanupAll);

/** A million characters with `common` everywhere: slow to rank and to snippet. */
const BIG = 'common words repeated over and over in a large entry '
  .repeat(20_000)
  .slice(0, 1_000_000);
const BIG_SEARCH = { query: 'common', namespace: 'big', limit: 100 };

async function seed(c: AistackClient, big: number) {
  const { creds } = await openSession(c);
  for (let i = 0; i < big; i++) {
    await c.call('memory.store', { key: `big${i}`, namespace: 'big', content: BIG, ...creds });
  }
  for (let i = 0; i < 10; i++) {
    await c.call('memory.store', {
      key: `s${i}`,
      namespace: 'small',
      content: `hello small world ${i}`,
      ...creds,
    });
  }
  return creds;
}

const poolOf = (d: TestDaemon) => d.daemon.reads as unknown as ReadPool;
const stats = (xs: number[]) => {
  const sorted = [...xs].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  return { n: xs.length, p50: at(0.5), p99: at(0.99), max: sorted.at(-1)! };
};

describe('reads off the event loop', () => {
  it("while one client runs a slow search, another client's pings stay under 250 ms", async () => {
    const d = await startDaemon();
    await seed(await d.client(), 8);
    const searcher = await d.client();
    const pinger = await d.client();
    await pinger.call('system.ping');
    // Workers start on first use; measure the pool at work, not its start-up.
    await searcher.call('memory.search', { query: 'hello', namespace: 'small' });
    const started = performance.now();
    // One result: the ranking and snippet work is the same, the reply stays small (the
    // cost of sending a large reply is the reply budget's business, not the pool's).
    const search = searcher.call('memory.search', { ...BIG_SEARCH, limit: 1 });
    const state = track(search);
    const pings: number[] = [];
    while (!state.settled) {
      const t = performance.now();
      await pinger.call('system.ping');
      pings.push(performance.now() - t);
    }
    const { results } = await search;
    const searchMs = performance.now() - started;
    const p = stats(pings);
    console.log(
      `slow search ${searchMs.toFixed(0)} ms; ${p.n} pings meanwhile: p50 ${p.p50.toFixed(1)} ms, p99 ${p.p99.toFixed(1)} ms, max ${p.max.toFixed(1)} ms`,
    );
    expect(results).toHaveLength(1);
    expect(p.n).toBeGreaterThan(0);
    // p99 (over the ~1,000 pings a slow search leaves room for): one outlier on a loaded
    // 2-core CI machine is the OS scheduler, not the event loop; that is bounded apart.
    expect(p.p99).toBeLessThan(250);
    expect(p.max).toBeLessThan(1000);
  });

  it('a search over daemon.queryTimeoutMs is TIMEOUT; the daemon keeps serving and the next search works', async () => {
    const d = await startDaemon({ config: { daemon: { queryTimeoutMs: 100 } } });
    const c = await d.client();
    const creds = await seed(c, 8);
    const err = await c.call('memory.search', BIG_SEARCH).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RpcError);
    expect((err as RpcError).code).toBe('TIMEOUT');
    expect((err as RpcError).message).toMatch(/daemon\.queryTimeoutMs \(100 ms\)/);
    expect(poolOf(d).counts).toMatchObject({ timeouts: 1, workersStarted: 1 });
    // The daemon serves meanwhile, and nothing changed.
    await c.call('system.ping');
    const { namespaces } = await c.call('memory.namespaces', {});
    expect(namespaces).toEqual([
      { namespace: 'big', count: 8 },
      { namespace: 'small', count: 10 },
    ]);
    // The limit is live; with room (a busy machine needs it), the next searches run on a
    // new worker and find everything, the slow one included.
    writeFileSync(
      join(d.dir, 'aistack.config.json'),
      JSON.stringify({ daemon: { queryTimeoutMs: 60_000 } }),
    );
    const reloaded = await c.call('config.reload');
    expect(reloaded.changed).toContainEqual(
      expect.objectContaining({ path: 'daemon.queryTimeoutMs', appliedLive: true }),
    );
    const small = await c.call('memory.search', { query: 'hello', namespace: 'small', limit: 20 });
    expect(small.results).toHaveLength(10);
    expect((await c.call('memory.search', { ...BIG_SEARCH, limit: 1 })).count).toBe(1);
    expect(poolOf(d).counts).toMatchObject({ timeouts: 1, workersStarted: 2 });
    await c.call('memory.store', {
      key: 'after',
      namespace: 'small',
      content: 'hello again',
      ...creds,
    });
    expect((await c.call('memory.get', { key: 'after', namespace: 'small' })).entry.content).toBe(
      'hello again',
    );
  });

  it("one connection's 100 queued lists do not keep another connection's search waiting", async () => {
    const d = await startDaemon();
    await seed(await d.client(), 4);
    const a = await d.client();
    const b = await d.client();
    let answeredA = 0;
    const lists = Array.from({ length: 100 }, (_, i) =>
      a.call('memory.list', { namespace: 'big', limit: 1, offset: i % 4 }).then(() => answeredA++),
    );
    await waitFor(() => poolOf(d).queued >= 30, "A's lists to be queued");
    const { results } = await b.call('memory.search', { query: 'hello', namespace: 'small' });
    const atB = answeredA;
    await Promise.all(lists);
    console.log(`B's search answered after ${atB} of A's 100 lists`);
    expect(results.length).toBeGreaterThan(0);
    expect(atB).toBeLessThan(15);
    expect(answeredA).toBe(100);
  });

  it('a restore with the pool running: workers reopen on the restored file', async () => {
    const d = await startDaemon();
    const c = await d.client();
    const other = await d.client();
    const creds = await seed(c, 0);
    expect((await c.call('memory.search', { query: 'hello', namespace: 'small' })).count).toBe(10);
    const before = poolOf(d);
    expect(before.counts.workersStarted).toBeGreaterThan(0);
    const { path } = await c.call('backup.create', { out: join(tempDir(), 'b.db') });
    await c.call('memory.store', {
      key: 'kiwi',
      namespace: 'small',
      content: 'kiwi fruit',
      ...creds,
    });
    expect((await c.call('memory.search', { query: 'kiwi', namespace: 'small' })).count).toBe(1);

    const during = Array.from({ length: 20 }, () =>
      other.call('memory.list', { namespace: 'small', limit: 2 }),
    );
    await c.call('backup.restore', { file: path });
    for (const list of await Promise.all(during)) expect([10, 11]).toContain(list.total);

    expect(poolOf(d)).not.toBe(before);
    const stale = await before
      .run('memory.list', { scope: {}, filters: {}, limit: 1, offset: 0 }, { key: 0 })
      .catch((e: unknown) => e);
    expect((stale as { code: string }).code).toBe('SHUTTING_DOWN');
    expect((await c.call('memory.search', { query: 'kiwi', namespace: 'small' })).count).toBe(0);
    expect((await c.call('memory.search', { query: 'hello', namespace: 'small' })).count).toBe(10);
    expect((await other.call('memory.list', { namespace: 'small' })).total).toBe(10);
    expect(poolOf(d).counts.workersStarted).toBeGreaterThan(0);
  });

  it('a read after an acknowledged write sees it, whichever connection reads', async () => {
    const d = await startDaemon();
    const writer = await d.client();
    const readers = [await d.client(), await d.client()];
    const { creds } = await openSession(writer);
    for (let i = 0; i < 30; i++) {
      await writer.call('memory.store', {
        key: `k${i}`,
        namespace: 'seen',
        content: `word${i} here`,
        ...creds,
      });
      const reader = readers[i % 2]!;
      const [list, found] = await Promise.all([
        reader.call('memory.list', { namespace: 'seen', limit: 1 }),
        reader.call('memory.search', { query: `word${i}`, namespace: 'seen' }),
      ]);
      expect(list.total).toBe(i + 1);
      expect(list.entries[0]!.key).toBe(`k${i}`);
      expect(found.results.map((r) => r.entry.key)).toEqual([`k${i}`]);
    }
  });

  it('with daemon.readWorkers 0, reads run on the main thread as before', async () => {
    const d = await startDaemon({ config: { daemon: { readWorkers: 0 } } });
    const c = await d.client();
    await seed(c, 0);
    expect(d.daemon.reads).toBeInstanceOf(InlineReads);
    expect((await c.call('memory.search', { query: 'hello', namespace: 'small' })).count).toBe(10);
    expect((await c.call('memory.list', { namespace: 'small', limit: 3 })).total).toBe(10);
    expect((await c.call('memory.export', { namespace: 'small' })).entries).toHaveLength(10);
  });
});
