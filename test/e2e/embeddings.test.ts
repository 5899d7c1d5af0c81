import Database from 'better-sqlite3';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { AistackClient } from '../../src/clients/client.js';
import { RpcError } from '../../src/clients/client.js';
import { cleanupAll, runCli, startDaemon, tempDir } from '../helpers/daemon.js';
import { startOllamaStub, synonymEmbedding, type ProviderStub } from '../helpers/provider-stubs.js';
import { openSession } from '../helpers/session.js';

afterEach(cleanupAll);

const DIMS = 64;

async function setup(
  options: { model?: string; dir?: string; stub?: ProviderStub; timeoutMs?: number } = {},
) {
  const stub = options.stub ?? (await startOllamaStub());
  if (!options.stub) {
    stub.embed = synonymEmbedding;
    stopLater(stub);
  }
  const d = await startDaemon({
    ...(options.dir ? { dir: options.dir } : {}),
    config: {
      providers: {
        ollama: { baseURL: stub.url, timeoutMs: options.timeoutMs ?? 2000, maxRetries: 0 },
      },
      memory: {
        embeddings: {
          enabled: true,
          provider: 'ollama',
          model: options.model ?? 'stub-embed',
          dimensions: DIMS,
          batchSize: 8,
          queryTimeoutMs: 1000,
        },
      },
    },
  });
  const c = await d.client();
  return { stub, d, c };
}

const stubs: ProviderStub[] = [];
function stopLater(stub: ProviderStub) {
  stubs.push(stub);
}
afterEach(async () => {
  while (stubs.length) await stubs.pop()!.stop();
});

/** Waits until the background worker has nothing left and `missing` entries lack a vector. */
async function settled(c: AistackClient, missing = 0) {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const s = await c.call('memory.embeddingStatus');
    if (s.idle && s.missing === missing && s.indexReady) return s;
    if (Date.now() > deadline) throw new Error(`embeddings did not settle: ${JSON.stringify(s)}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const keys = (r: { results: { entry: { key: string } }[] }) => r.results.map((x) => x.entry.key);

const err = (p: Promise<unknown>) =>
  p.then(
    () => expect.unreachable('should have failed'),
    (e: RpcError) => e,
  );

describe('embeddings and hybrid search through the daemon', () => {
  it('hybrid finds by meaning what full-text misses, and still finds entries without an embedding', async () => {
    const { stub, c } = await setup();
    const s = await openSession(c);
    const put = (key: string, content: string) =>
      c.call('memory.store', { key, namespace: 'kb', content, ...s.creds });
    await put('tyres', 'The automobile needs winter tyres before December');
    await put('vet', 'Take the puppy to the vet for its vaccination');
    await put('tax', 'Quarterly tax report is due on the fifteenth');
    // The stand-in provider cannot embed this one (a vector of the wrong length), so it
    // fails alone and the rest of its batch is stored.
    const embed = stub.embed;
    stub.embed = (t, n) => (t.includes('unembeddable') ? [1, 2, 3] : embed(t, n));
    await put('zebra', 'An unembeddable note about the zebra crossing');
    const status = await settled(c, 1);
    expect(status).toMatchObject({ embedded: 3, missing: 1, model: 'stub-embed', dimensions: 64 });
    expect(status.worker.failed).toBe(1);

    // "vehicle" is nowhere in the text: full-text finds nothing, meaning finds the tyres.
    expect((await c.call('memory.search', { query: 'vehicle', mode: 'fts' })).count).toBe(0);
    const hybrid = await c.call('memory.search', { query: 'vehicle' });
    expect(hybrid.mode).toBe('hybrid');
    expect(hybrid.degraded).toBeUndefined();
    expect(hybrid.results[0]).toMatchObject({
      entry: { key: 'tyres', namespace: 'kb' },
      matchType: 'vector',
      scores: { cosine: expect.any(Number), rrf: expect.any(Number) },
    });
    expect(hybrid.results[0]!.scores.cosine).toBeGreaterThan(0.3);
    expect(hybrid.results[0]!.scores.bm25).toBeUndefined();
    const vector = await c.call('memory.search', { query: 'canine vaccination', mode: 'vector' });
    expect(vector.results[0]).toMatchObject({ entry: { key: 'vet' }, matchType: 'vector' });
    expect(vector.results[0]!.score).toBe(vector.results[0]!.scores.cosine);

    // Words and meaning both: matched by both rankings.
    const both = await c.call('memory.search', { query: 'automobile' });
    expect(both.results[0]).toMatchObject({ entry: { key: 'tyres' }, matchType: 'hybrid' });
    expect(both.results[0]!.scores).toMatchObject({ bm25: expect.any(Number) });

    // No embedding, still found by its words through hybrid.
    const zebra = await c.call('memory.search', { query: 'zebra' });
    expect(zebra.results[0]).toMatchObject({ entry: { key: 'zebra' }, matchType: 'fts' });
    expect(keys(await c.call('memory.search', { query: 'zebra', mode: 'vector' }))).not.toContain(
      'zebra',
    );

    // Tags and agents filter vector results as they filter full-text ones.
    await c.call('memory.store', {
      key: 'sedan',
      namespace: 'kb',
      content: 'A sedan for sale',
      tags: ['ads'],
      ...s.creds,
    });
    await settled(c, 1);
    const tagged = await c.call('memory.search', { query: 'car', mode: 'vector', tags: ['ads'] });
    expect(keys(tagged)).toEqual(['sedan']);
  });

  it("a session never sees another session's entries through vector or hybrid search", async () => {
    const { c, d } = await setup();
    const cb = await d.client();
    const A = await openSession(c);
    const B = await openSession(cb);
    const secrets = [
      'automobile launch plans for the huge sedan',
      'the physician bought a speedy puppy',
      'joyful canine begins enormous vehicle purchase',
      'private doctor notes about the dog',
    ];
    for (const [i, content] of secrets.entries()) {
      await c.call('memory.store', { key: `a${i}`, content, ...A.creds });
    }
    await cb.call('memory.store', { key: 'b0', content: 'my own car notes', ...B.creds });
    await cb.call('memory.store', {
      key: 'shared',
      namespace: 'team',
      content: 'team vehicle rota',
      ...B.creds,
    });
    await settled(c);
    const queries = [...secrets, 'car', 'dog', 'doctor', 'happy', 'buy', 'big', 'fast', 'start'];
    for (const query of queries) {
      for (const mode of ['vector', 'hybrid'] as const) {
        for (const [client, creds, own] of [
          [cb, B.creds, B.namespace],
          [cb, {}, undefined],
        ] as const) {
          const r = await client.call('memory.search', { query, mode, limit: 100, ...creds });
          for (const hit of r.results) {
            expect(hit.entry.namespace).not.toBe(A.namespace);
            expect([own, 'team']).toContain(hit.entry.namespace);
          }
        }
      }
    }
    const denied = await err(
      cb.call('memory.search', {
        query: 'car',
        mode: 'vector',
        namespace: A.namespace,
        ...B.creds,
      }),
    );
    expect(denied.code).toBe('ACCESS_DENIED');
    // A sees its own entries by meaning.
    const own = await c.call('memory.search', { query: 'medic', mode: 'vector', ...A.creds });
    expect(own.results[0]!.entry.namespace).toBe(A.namespace);
    // Ending A removes its vectors with its entries.
    await c.call('session.end', A.creds);
    const after = await settled(c);
    expect(after).toMatchObject({ embedded: 2, indexed: 2 });
  });

  it('a hanging or failing provider never fails or delays memory.store; reindex fills the gaps', async () => {
    // The hanging provider is given up on only after PROVIDER_MS, so anything that waited
    // for it would take seconds; the bounds below leave a busy machine room below that.
    const PROVIDER_MS = 5_000;
    const QUERY_MS = 1_000; // memory.embeddings.queryTimeoutMs in setup()
    const { stub, c } = await setup({ timeoutMs: PROVIDER_MS });
    const s = await openSession(c);
    stub.mode = 'hang';
    let slowest = 0;
    for (let i = 0; i < 12; i++) {
      const t0 = performance.now();
      const r = await c.call('memory.store', {
        key: `k${i}`,
        namespace: 'kb',
        content: i === 3 ? 'the automobile is parked' : `note number ${i} about nothing`,
        ...s.creds,
      });
      slowest = Math.max(slowest, performance.now() - t0);
      expect(r.entry.version).toBe(1);
    }
    expect(slowest).toBeLessThan(QUERY_MS);
    // A search meanwhile degrades to full-text within the query timeout, and says so.
    let t0 = performance.now();
    const degraded = await c.call('memory.search', { query: 'automobile' });
    expect(performance.now() - t0).toBeGreaterThanOrEqual(QUERY_MS - 20);
    expect(performance.now() - t0).toBeLessThan(PROVIDER_MS - 1_000);
    expect(degraded.degraded).toMatch(/^vector unavailable: ollama/);
    expect(degraded.results.map((r) => [r.entry.key, r.matchType])).toEqual([['k3', 'fts']]);
    // Hybrid searches right after that skip the provider for a while instead of waiting.
    t0 = performance.now();
    expect((await c.call('memory.search', { query: 'car' })).degraded).toMatch(/ollama/);
    expect(performance.now() - t0).toBeLessThan(QUERY_MS / 2);
    // An explicit vector search always asks, and fails with the provider's error.
    expect((await err(c.call('memory.search', { query: 'car', mode: 'vector' }))).code).toBe(
      'PROVIDER_FAILURE',
    );
    stub.mode = 'server-error';
    const stuck = await c.call('memory.embeddingStatus');
    expect(stuck.missing).toBe(12);

    stub.mode = 'ok';
    const cli = await reindexWithProgress(c);
    expect(cli.result.remaining).toBe(0);
    expect(cli.result.failed).toBe(0);
    expect(cli.progress.at(-1)).toEqual({ done: cli.total, total: cli.total });
    await settled(c);
    const found = await c.call('memory.search', { query: 'car', mode: 'vector', limit: 1 });
    expect(keys(found)).toEqual(['k3']);
  });

  it('an update re-embeds the new text, and a model change is re-embedded by reindex', async () => {
    const dir = tempDir();
    const first = await setup({ dir, model: 'model-a' });
    const s = await openSession(first.c);
    await first.c.call('memory.store', {
      key: 'k',
      namespace: 'kb',
      content: 'automobile repair manual',
      ...s.creds,
    });
    await first.c.call('memory.store', {
      key: 'other',
      namespace: 'kb',
      content: 'cooking recipes',
      ...s.creds,
    });
    await settled(first.c);
    const top = async (c: AistackClient, query: string) =>
      (await c.call('memory.search', { query, mode: 'vector', limit: 1 })).results[0]!;
    expect((await top(first.c, 'car')).entry.key).toBe('k');
    await first.c.call('memory.store', {
      key: 'k',
      namespace: 'kb',
      content: 'puppy grooming guide',
      ...s.creds,
    });
    await settled(first.c);
    expect((await top(first.c, 'dog')).entry.key).toBe('k');
    expect((await top(first.c, 'dog')).scores.cosine).toBeGreaterThan(0.3);
    await first.c.call('memory.delete', { key: 'other', namespace: 'kb', ...s.creds });
    expect(await settled(first.c)).toMatchObject({ embedded: 1, indexed: 1 });
    await first.c.call('memory.store', {
      key: 'other',
      namespace: 'kb',
      content: 'cooking recipes',
      ...s.creds,
    });
    expect(await settled(first.c)).toMatchObject({ embedded: 2, indexed: 2 });
    await first.d.stop();

    const second = await setup({ dir, model: 'model-b', stub: first.stub });
    const before = await second.c.call('memory.embeddingStatus');
    expect(before).toMatchObject({ model: 'model-b', embedded: 0, missing: 2, stale: 2 });
    const result = await second.c.call('memory.reindex', {});
    expect(result).toMatchObject({ embedded: 2, failed: 0, remaining: 0 });
    expect(await settled(second.c)).toMatchObject({ embedded: 2, stale: 0, indexed: 2 });
    expect((await top(second.c, 'hound')).entry.key).toBe('k');
    await second.d.stop();
    const db = new Database(join(second.d.dataDir, 'aistack.db'), { readonly: true });
    const rows = db
      .prepare('SELECT model, dimensions, length(vector) AS bytes FROM memory_embeddings')
      .all();
    db.close();
    expect(rows).toEqual([
      { model: 'model-b', dimensions: 64, bytes: 256 },
      { model: 'model-b', dimensions: 64, bytes: 256 },
    ]);
  });

  it("after a restore, vector search serves the restored database's vectors", async () => {
    const { c } = await setup();
    let s = await openSession(c);
    const put = (key: string, content: string) =>
      c.call('memory.store', { key, namespace: 'kb', content, ...s.creds });
    await put('car', 'automobile insurance renewal');
    await settled(c);
    const out = join(tempDir(), 'backup.db');
    await c.call('backup.create', { out });
    await put('dog', 'puppy training classes');
    await settled(c);
    expect((await c.call('memory.embeddingStatus')).indexed).toBe(2);
    await c.call('backup.restore', { file: out });
    expect(await settled(c)).toMatchObject({ embedded: 1, indexed: 1 });
    const hits = await c.call('memory.search', { query: 'hound', mode: 'vector' });
    expect(keys(hits)).toEqual(['car']);
    // Writes after the restore (in a new session: a restore ends every session) are
    // embedded by the new worker.
    s = await openSession(c);
    await put('dog', 'puppy training classes');
    expect(await settled(c)).toMatchObject({ embedded: 2, indexed: 2 });
    expect(keys(await c.call('memory.search', { query: 'hound', mode: 'vector' }))[0]).toBe('dog');
  });

  it('aistack memory reindex and embeddings report through the CLI; disabled embeddings say so', async () => {
    const { c, d } = await setup();
    const env = { AISTACK_SOCKET: d.socketPath, HOME: tempDir() };
    const s = await openSession(c);
    await c.call('memory.store', { key: 'k', namespace: 'kb', content: 'big dog', ...s.creds });
    await settled(c);
    const status = await runCli(['--json', 'memory', 'embeddings'], env);
    expect(status.code, status.stderr).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({ enabled: true, embedded: 1, missing: 0 });
    const reindex = await runCli(['memory', 'reindex'], env);
    expect(reindex.code, reindex.stderr).toBe(0);
    expect(reindex.stdout).toMatch(/reindexed: 0 embedded.*0 still without/);
    const search = await runCli(['memory', 'search', 'huge', 'hound', '--mode', 'vector'], env);
    expect(search.stdout).toMatch(/vector\s+kb\s+k/);
    const deep = await err(c.call('memory.search', { query: 'dog', mode: 'vector', offset: 995 }));
    expect(deep.code).toBe('INVALID_PARAMS');

    const plain = await startDaemon();
    const pc = await plain.client();
    expect((await pc.call('memory.embeddingStatus')).enabled).toBe(false);
    expect((await err(pc.call('memory.search', { query: 'x', mode: 'hybrid' }))).code).toBe(
      'FEATURE_DISABLED',
    );
    expect((await err(pc.call('memory.reindex', {}))).code).toBe('FEATURE_DISABLED');
    expect((await pc.call('memory.search', { query: 'x' })).mode).toBe('fts');
  });
});

/** Runs memory.reindex, collecting its progress notifications. */
async function reindexWithProgress(c: AistackClient) {
  const progress: { done: number; total: number }[] = [];
  const off = c.onNotification((method, params) => {
    if (method === 'memory.reindex.progress') progress.push(params as never);
  });
  const result = await c.call('memory.reindex', {});
  off();
  return { result, progress, total: progress[0]?.total ?? -1 };
}
