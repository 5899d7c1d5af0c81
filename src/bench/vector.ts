/**
 * The benchmark's vector phase: embeds the corpus locally (BenchEmbedder), writes the
 * float32 vectors straight into both databases (the daemon's, while it is stopped, and
 * the in-process one), starts a daemon with embeddings on and an Ollama-shaped stand-in
 * for query embeddings, then measures `memory.search` in vector and hybrid mode against
 * the same code in-process, and the recall@10 of the vector search against an exact
 * brute-force scan over every vector.
 */
import type Database from 'better-sqlite3';
import { join } from 'node:path';
import { AistackClient } from '../clients/client.js';
import { Redactor } from '../config/secrets.js';
import type { AccessControl } from '../services/access/access-control.js';
import { embeddingSettings } from '../services/embeddings/embedding-settings.js';
import { EmbeddingService } from '../services/embeddings/embeddings.js';
import { MemoryService } from '../services/memory/memory.js';
import { OllamaProvider } from '../services/providers/ollama.js';
import { openDatabase } from '../store/database.js';
import { EmbeddingStore, type EmbeddingModel } from '../store/embeddings/embedding-store.js';
import type { Entry, MemoryStore } from '../store/memory/memory-store.js';
import { MIGRATIONS } from '../store/schema.js';
import { BenchEmbedder, startEmbedServer, topK } from './embedding.js';
import { medianSummary, runConcurrent, type Summary } from './measure.js';
import type { Row } from './report.js';

const MODEL = 'bench-embed';
const DIMENSIONS = 384;
const RECALL_QUERIES = 100;

export interface VectorPhaseInput {
  dir: string;
  entries: Entry[];
  vocabulary: readonly string[];
  queries: string[];
  recallQueries: string[];
  inproc: { db: Database.Database; store: MemoryStore; access: AccessControl };
  startDaemon: (
    config: unknown,
  ) => Promise<{ stop: () => Promise<void>; socket: string; token: string }>;
  levels: number[];
  /** Which searches to measure (both by default). */
  modes?: ('vector' | 'hybrid')[];
  durationMs: number;
  repeat: number;
  say: (message: string) => void;
}

export interface VectorReport {
  dimensions: number;
  vectorCandidates: number;
  embedCorpusMs: number;
  writeVectorsMs: number;
  daemonIndexBuildMs: number;
  /** The daemon's resident memory with the index built and after the measurements. */
  daemonRssBytes: number;
  recallAt10: number;
  recallQueries: number;
}

/** Writes vector i of `vectors` for entry `k<i>` of namespace "bench". */
function writeVectors(db: Database.Database, vectors: Float32Array, model: EmbeddingModel) {
  const store = new EmbeddingStore(db);
  const rows = db
    .prepare(
      "SELECT rowid, id, version, namespace, key FROM memory_entries WHERE namespace = 'bench'",
    )
    .all() as { rowid: number; id: string; version: number; namespace: string; key: string }[];
  const at = Date.now();
  for (let i = 0; i < rows.length; i += 5000) {
    store.transaction(() => {
      for (const r of rows.slice(i, i + 5000)) {
        const n = Number(r.key.slice(1));
        store.write(
          { ...r, content: '' },
          model,
          vectors.subarray(n * DIMENSIONS, (n + 1) * DIMENSIONS),
          at,
        );
      }
    });
  }
}

async function until(check: () => Promise<boolean> | boolean, what: string, ms = 120_000) {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export async function vectorPhase(
  input: VectorPhaseInput,
): Promise<{ rows: Row[]; report: VectorReport }> {
  const { entries, say } = input;
  const model = { model: MODEL, dimensions: DIMENSIONS };
  const embedder = new BenchEmbedder(input.vocabulary, DIMENSIONS);
  say(`embedding ${entries.length} entries locally (${DIMENSIONS} dimensions)…`);
  let t0 = performance.now();
  const vectors = new Float32Array(entries.length * DIMENSIONS);
  entries.forEach((e, i) => vectors.set(embedder.embed(e.content), i * DIMENSIONS));
  const embedCorpusMs = performance.now() - t0;

  t0 = performance.now();
  writeVectors(input.inproc.db, vectors, model);
  const daemonDb = openDatabase({
    path: join(input.dir, 'data', 'aistack.db'),
    synchronous: 'normal',
    busyTimeoutMs: 5000,
    migrations: MIGRATIONS,
  });
  writeVectors(daemonDb, vectors, model);
  daemonDb.close();
  const writeVectorsMs = performance.now() - t0;

  const server = await startEmbedServer(embedder, MODEL);
  const provider = { ollama: { baseURL: server.url, timeoutMs: 10_000, maxRetries: 0 } };
  const memoryConfig = {
    embeddings: {
      enabled: true,
      provider: 'ollama' as const,
      model: MODEL,
      dimensions: DIMENSIONS,
      batchSize: 32,
      queryTimeoutMs: 10_000,
    },
    search: { vectorCandidates: 400 },
  };
  t0 = performance.now();
  const daemon = await input.startDaemon({ providers: provider, memory: memoryConfig });
  const clients = await Promise.all(
    Array.from({ length: Math.max(...input.levels) }, () =>
      AistackClient.connect(daemon.socket, { token: daemon.token }),
    ),
  );
  await until(
    async () => (await clients[0]!.call('memory.embeddingStatus')).indexReady,
    'the daemon to build its vector index',
  );
  const daemonIndexBuildMs = performance.now() - t0;

  // In-process: the same services, the query embedded through the same stand-in over HTTP.
  const settings = embeddingSettings({ memory: memoryConfig });
  const ollama = new OllamaProvider(
    { ...provider.ollama, embeddingModel: MODEL },
    { redactor: new Redactor() },
  );
  const embeddings = new EmbeddingService({
    store: input.inproc.store,
    embeddings: new EmbeddingStore(input.inproc.db),
    providers: { embedder: () => ollama },
    settings,
  });
  embeddings.start();
  await until(() => embeddings.status().indexReady, 'the in-process vector index');
  const memory = new MemoryService(input.inproc.store, input.inproc.access, embeddings);
  const op = { method: 'bench', connection: 0 };

  say(`recall@10 of vector search against an exact scan (${RECALL_QUERIES} queries)…`);
  let found = 0;
  const queries = input.recallQueries.slice(0, RECALL_QUERIES);
  for (const query of queries) {
    const q = embedder.embed(query);
    const scores = new Float32Array(entries.length);
    for (let i = 0; i < entries.length; i++) {
      let dot = 0;
      const at = i * DIMENSIONS;
      for (let j = 0; j < DIMENSIONS; j++) dot += q[j]! * vectors[at + j]!;
      scores[i] = dot;
    }
    const exact = new Set(topK(scores, 10).map((i) => `k${i}`));
    const got = await clients[0]!.call('memory.search', {
      query,
      mode: 'vector',
      namespace: 'bench',
      limit: 10,
    });
    found += got.results.filter((r) => exact.has(r.entry.key)).length;
  }
  const recallAt10 = found / (queries.length * 10);

  let n = 0;
  const pick = () => input.queries[n++ % input.queries.length]!;
  const rows: Row[] = [];
  for (const mode of input.modes ?? (['vector', 'hybrid'] as const)) {
    const name = `memory.search ${mode}`;
    const inprocRuns: Summary[] = [];
    for (let r = 0; r < input.repeat; r++) {
      inprocRuns.push(
        await runConcurrent(1, input.durationMs, () =>
          memory.searchWithMode({ query: pick(), mode, limit: 10, offset: 0 }, op),
        ),
      );
    }
    const inproc = medianSummary(inprocRuns);
    for (const level of input.levels) {
      const runs: Summary[] = [];
      for (let r = 0; r < input.repeat; r++) {
        runs.push(
          await runConcurrent(level, input.durationMs, (w) =>
            clients[w]!.call('memory.search', { query: pick(), mode, limit: 10 }),
          ),
        );
      }
      const d = medianSummary(runs);
      rows.push({ op: name, clients: level, daemon: d, inproc });
      say(
        `${name} × ${level}: ${d.opsPerSec} ops/s, p50 ${d.p50Us} µs, p99 ${d.p99Us} µs (in-process p50 ${inproc.p50Us} µs)`,
      );
    }
  }

  const status = await clients[0]!.call('system.status');
  clients.forEach((c) => c.close());
  embeddings.stop();
  await daemon.stop();
  await server.stop();
  return {
    rows,
    report: {
      dimensions: DIMENSIONS,
      vectorCandidates: memoryConfig.search.vectorCandidates,
      embedCorpusMs: Math.round(embedCorpusMs),
      writeVectorsMs: Math.round(writeVectorsMs),
      daemonIndexBuildMs: Math.round(daemonIndexBuildMs),
      daemonRssBytes: status.memoryRssBytes,
      recallAt10,
      recallQueries: queries.length,
    },
  };
}
