/**
 * `npm run bench`: the daemon over its socket against the same operations in-process on
 * better-sqlite3, in one run. Starts a real aistackd in a temp dir, loads N entries
 * (default 100,000) of Zipf-vocabulary text, then measures memory.store/get/search/list
 * from 1, 8 and 32 concurrent clients: ops/s, p50/p99, the ratio to in-process and the
 * latency the daemon adds. Then the vector phase (vector.ts): the same entries with
 * 384-dimensional embeddings, vector and hybrid search from 1 and 8 clients, and the
 * recall@10 of vector search. A benchmark, not a test: it asserts nothing, it reports.
 */
import { readOwnerToken } from '../core/owner-token.js';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { AistackClient } from '../clients/client.js';
import { DAEMON_ENTRY } from '../clients/autostart.js';
import { Redactor } from '../config/secrets.js';
import { AccessControl } from '../services/access/access-control.js';
import { MemoryService } from '../services/memory/memory.js';
import { SessionService } from '../services/access/sessions.js';
import { openDatabase } from '../store/database.js';
import { MemoryStore, type Entry } from '../store/memory/memory-store.js';
import { MIGRATIONS } from '../store/schema.js';
import { Corpus } from './corpus.js';
import { medianSummary, runConcurrent, runSync, type Summary } from './measure.js';
import { measureMcpStartup } from './mcp-startup.js';
import { printReport, type Row } from './report.js';
import { vectorPhase } from './vector.js';

const { values: args } = parseArgs({
  options: {
    entries: { type: 'string', default: '100000' },
    duration: { type: 'string', default: '2000' },
    clients: { type: 'string', default: '1,8,32' },
    repeat: { type: 'string', default: '1' },
    'vector-clients': { type: 'string', default: '1,8' },
    'skip-vector': { type: 'boolean', default: false },
    ops: { type: 'string', default: 'memory.store,memory.get,memory.search,memory.list' },
    'vector-modes': { type: 'string', default: 'vector,hybrid' },
    'skip-mcp': { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
});

if (args.help) {
  process.stdout
    .write(`usage: npm run bench -- [--entries N] [--duration MS] [--clients 1,8,32] [--repeat R]
                       [--ops LIST] [--skip-vector] [--vector-modes LIST] [--skip-mcp] [--json]
  --entries   entries loaded before measuring (default 100000)
  --duration  milliseconds per measurement cell (default 2000)
  --clients   concurrency levels for the daemon (default 1,8,32)
  --repeat    repeat every cell R times and report medians (default 1)
  --vector-clients  concurrency levels for vector and hybrid search (default 1,8)
  --skip-vector     skip the vector phase (embeddings, vector and hybrid search)
  --ops       which plain operations to measure (default
              memory.store,memory.get,memory.search,memory.list; e.g. --ops memory.search)
  --vector-modes    which vector-phase searches to measure (default vector,hybrid)
  --skip-mcp  skip measuring the MCP shim's startup
  --json      print the results as JSON instead of a table
`);
  process.exit(0);
}

const N = Number(args.entries);
const DURATION = Number(args.duration);
const LEVELS = args.clients!.split(',').map(Number);
const REPEAT = Number(args.repeat);
const VECTOR_LEVELS = args['vector-clients']!.split(',').map(Number);
const OPS = new Set(args.ops!.split(','));
const VECTOR_MODES = args['vector-modes']!.split(',') as ('vector' | 'hybrid')[];
const say = (m: string) => process.stderr.write(`bench: ${m}\n`);

function makeEntries(corpus: Corpus, n: number): Entry[] {
  const base = Date.now() - n;
  return Array.from({ length: n }, (_, i) => {
    const at = new Date(base + i).toISOString();
    return {
      id: randomUUID(),
      key: `k${i}`,
      namespace: 'bench',
      content: corpus.text(),
      metadata: { i },
      tags: [`t${i % 20}`],
      agentId: null,
      sessionId: null,
      createdAt: at,
      updatedAt: at,
      version: 1,
    };
  });
}

async function startDaemon(
  dir: string,
  extraConfig: object = {},
): Promise<{ stop: () => Promise<void>; socket: string; token: string }> {
  const socket = join(dir, 'run', 'aistack.sock');
  const config = join(dir, 'config.json');
  writeFileSync(config, JSON.stringify({ logging: { level: 'warn' }, ...extraConfig }), {
    mode: 0o600,
  });
  const child = spawn(
    process.execPath,
    [DAEMON_ENTRY, '--socket', socket, '--data-dir', join(dir, 'data'), '--config', config],
    {
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  );
  for (let i = 0; ; i++) {
    try {
      (await AistackClient.connect(socket)).close();
      break;
    } catch {
      if (i > 300 || child.exitCode !== null) throw new Error('aistackd did not start');
      await new Promise((r) => setTimeout(r, 20));
    }
  }
  return {
    socket,
    token: readOwnerToken(join(dir, 'data'))!,
    stop: () =>
      new Promise((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

function pick<T>(items: T[], i: number): T {
  return items[i % items.length]!;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'aistack-bench-'));
  const corpus = new Corpus(42);
  say(`generating ${N} entries…`);
  const entries = makeEntries(corpus, N);
  const texts = Array.from({ length: 5000 }, () => corpus.text());
  const queries = Array.from({ length: 5000 }, () => corpus.query());
  const randomKeys = Array.from({ length: 20000 }, () => `k${corpus.int(N)}`);
  const offsets = Array.from({ length: 1000 }, () => corpus.int(200));
  const vectorQueries = Array.from({ length: 5000 }, () => corpus.query());
  const recallQueries = Array.from({ length: 200 }, () => corpus.query());

  // In-process: the same store and service code on its own database file, no socket.
  const db = openDatabase({
    path: join(dir, 'inproc.db'),
    synchronous: 'normal',
    busyTimeoutMs: 5000,
    migrations: MIGRATIONS,
  });
  const store = new MemoryStore(db);
  const audit = { record() {} };
  const sessions = new SessionService(db, store, audit, { defaultIdleTimeoutMinutes: () => 120 });
  const access = new AccessControl(sessions, audit);
  const memory = new MemoryService(store, access);
  void Redactor;
  let t0 = performance.now();
  for (let i = 0; i < N; i += 2000)
    store.transaction(() =>
      entries.slice(i, i + 2000).forEach((e) => store.importInTransaction(e)),
    );
  const inprocLoadMs = performance.now() - t0;

  const daemon = await startDaemon(dir);
  const maxClients = Math.max(...LEVELS);
  const clients = await Promise.all(
    Array.from({ length: maxClients }, () =>
      AistackClient.connect(daemon.socket, { token: daemon.token }),
    ),
  );
  say(`loading ${N} entries through the daemon (memory.import, batches of 2000)…`);
  t0 = performance.now();
  for (let i = 0; i < N; i += 2000)
    await clients[0]!.call('memory.import', { entries: entries.slice(i, i + 2000) });
  const daemonLoadMs = performance.now() - t0;
  const creds = await Promise.all(
    clients.map(async (c) => {
      const { session } = await c.call('session.start', { metadata: { client: 'bench' } });
      return { sessionId: session.id, sessionToken: session.token };
    }),
  );
  const inprocSession = memory && sessions.start({}).session;
  const inprocCreds = { sessionId: inprocSession.id, sessionToken: inprocSession.token };
  const op = { method: 'bench', connection: 0 };

  let n = 0;
  const ops: Record<string, { daemon: (w: number) => Promise<unknown>; inproc: () => unknown }> = {
    'memory.store': {
      daemon: (w) =>
        clients[w]!.call('memory.store', {
          key: `w${w}-${n % 5000}`,
          namespace: 'bench-w',
          content: pick(texts, n++),
          ...creds[w]!,
        }),
      // One write, one transaction: what a single in-process writer does.
      inproc: () =>
        store.put({
          key: `w0-${n % 5000}`,
          namespace: 'bench-w',
          content: pick(texts, n++),
          metadata: {},
          tags: [],
          agentId: null,
          sessionId: inprocCreds.sessionId,
        }),
    },
    'memory.get': {
      daemon: (w) =>
        clients[w]!.call('memory.get', { key: pick(randomKeys, n++), namespace: 'bench' }),
      inproc: () => memory.get({ key: pick(randomKeys, n++), namespace: 'bench' }, op),
    },
    'memory.search': {
      daemon: (w) => clients[w]!.call('memory.search', { query: pick(queries, n++), limit: 10 }),
      inproc: () => memory.search({ query: pick(queries, n++), limit: 10, offset: 0 }, op),
    },
    'memory.list': {
      daemon: (w) =>
        clients[w]!.call('memory.list', {
          namespace: 'bench',
          limit: 20,
          offset: pick(offsets, n++),
        }),
      // The store's list itself (MemoryService.list hands it to the read pool, a promise).
      inproc: () => store.list({ namespace: 'bench' }, {}, 20, pick(offsets, n++)),
    },
  };

  const rows: Row[] = [];
  for (const [name, fns] of Object.entries(ops)) {
    if (!OPS.has(name)) continue;
    const inprocRuns: Summary[] = [];
    for (let r = 0; r < REPEAT; r++) inprocRuns.push(runSync(DURATION, fns.inproc));
    const inproc = medianSummary(inprocRuns);
    for (const level of LEVELS) {
      const runs: Summary[] = [];
      for (let r = 0; r < REPEAT; r++) runs.push(await runConcurrent(level, DURATION, fns.daemon));
      const d = medianSummary(runs);
      rows.push({ op: name, clients: level, daemon: d, inproc });
      say(
        `${name} × ${level}: ${d.opsPerSec} ops/s, p50 ${d.p50Us} µs (in-process ${inproc.opsPerSec} ops/s, p50 ${inproc.p50Us} µs)`,
      );
    }
  }

  const status = await clients[0]!.call('system.status');
  clients.forEach((c) => c.close());
  await daemon.stop();
  let vector;
  if (!args['skip-vector']) {
    const phase = await vectorPhase({
      dir,
      entries,
      vocabulary: corpus.vocabulary,
      queries: vectorQueries,
      recallQueries,
      inproc: { db, store, access },
      startDaemon: (config) => startDaemon(dir, config as object),
      levels: VECTOR_LEVELS,
      modes: VECTOR_MODES,
      durationMs: DURATION,
      repeat: REPEAT,
      say,
    });
    rows.push(...phase.rows);
    vector = phase.report;
  }
  sessions.close();
  db.close();
  let mcp;
  if (!args['skip-mcp']) {
    say('measuring the MCP shim: time to initialize and memory, 7 starts…');
    mcp = await measureMcpStartup({ runs: 7 });
  }
  const report = {
    entries: N,
    durationMs: DURATION,
    repeat: REPEAT,
    node: process.version,
    load: { daemonMs: Math.round(daemonLoadMs), inprocessMs: Math.round(inprocLoadMs) },
    database: {
      daemonBytes: status.database.sizeBytes + status.database.walBytes,
      inprocessBytes: statSync(join(dir, 'inproc.db')).size,
    },
    daemonRssBytes: status.memoryRssBytes,
    rows,
    ...(vector ? { vector } : {}),
    ...(mcp ? { mcp } : {}),
  };
  printReport(report, Boolean(args.json));
  rmSync(dir, { recursive: true, force: true });
}

main().catch((err) => {
  process.stderr.write(`bench failed: ${(err as Error).stack}\n`);
  process.exit(1);
});
