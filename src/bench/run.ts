/**
 * `npm run bench`: the daemon over its socket against the same operations in-process on
 * better-sqlite3, in one run. Starts a real aistackd in a temp dir, loads N entries
 * (default 100,000) of Zipf-vocabulary text, then measures memory.store/get/search/list
 * from 1, 8 and 32 concurrent clients (in a worker thread, load.ts): ops/s, p50/p99, the
 * ratio to in-process and the latency the daemon adds (and memory.related, depth 2 over
 * two links per entry, related.ts); `memory.get` also against a
 * minimal server in its own process (the limit line), and the cells of cells.ts (noisy
 * neighbour, store with synchronous "full"). Then the vector phase (vector.ts): the same entries with
 * 384-dimensional embeddings, vector and hybrid search from 1 and 8 clients, and the
 * recall@10 of vector search. A benchmark, not a test: it asserts nothing, it reports.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { AistackClient } from '../clients/client.js';
import { Redactor } from '../config/secrets.js';
import { AccessControl } from '../services/access/access-control.js';
import { ProjectService } from '../services/access/projects.js';
import { MemoryService } from '../services/memory/memory.js';
import { SessionService } from '../services/access/sessions.js';
import { openDatabase } from '../store/database.js';
import { MemoryStore, type Entry } from '../store/memory/memory-store.js';
import { MIGRATIONS } from '../store/schema.js';
import { noisyNeighbourCell, storeFullCells, type NoisyNeighbourReport } from './cells.js';
import { Corpus } from './corpus.js';
import { LoadGenerator } from './load.js';
import type { OpData, OpName } from './load-ops.js';
import { medianSummary, runSync, type Summary } from './measure.js';
import { measureMcpHttp } from './mcp-http.js';
import { measureMcpStartup } from './mcp-startup.js';
import { relatedPage } from '../store/memory/related-page.js';
import { DEFAULT_REPLY_BUDGET_BYTES } from '../store/reply-budget.js';
import { insertLinks } from './related.js';
import { printReport, type Row } from './report.js';
import { startDaemon, startMinimalServer } from './servers.js';
import { vectorPhase } from './vector.js';

const { values: args } = parseArgs({
  options: {
    entries: { type: 'string', default: '100000' },
    duration: { type: 'string', default: '2000' },
    clients: { type: 'string', default: '1,8,32' },
    repeat: { type: 'string', default: '1' },
    'vector-clients': { type: 'string', default: '1,8' },
    'skip-vector': { type: 'boolean', default: false },
    ops: {
      type: 'string',
      default:
        'memory.store,memory.get,memory.search,memory.list,memory.related,noisy-neighbour,store-full',
    },
    'cpu-prof': { type: 'string' },
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
                       [--cpu-prof DIR]
  --entries   entries loaded before measuring (default 100000)
  --duration  milliseconds per measurement cell (default 2000)
  --clients   concurrency levels for the daemon (default 1,8,32)
  --repeat    repeat every cell R times and report medians (default 1)
  --vector-clients  concurrency levels for vector and hybrid search (default 1,8)
  --skip-vector     skip the vector phase (embeddings, vector and hybrid search)
  --ops       which cells to measure (default memory.store,memory.get,memory.search,
              memory.list,memory.related,noisy-neighbour,store-full; e.g. --ops memory.get):
              memory.related walks depth 2 over 2 links per entry (200k at 100k entries);
              memory.get also runs the minimal server (the limit line) beside the daemon;
              noisy-neighbour pings from one client while another runs heavy searches;
              store-full restarts the daemon with storage.synchronous "full" for store
  --vector-modes    which vector-phase searches to measure (default vector,hybrid)
  --skip-mcp  skip measuring the MCP shim's startup and MCP over HTTP
  --json      print the results as JSON instead of a table
  --cpu-prof  write a V8 CPU profile of the (first) daemon into DIR when it stops
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

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'aistack-bench-'));
  const corpus = new Corpus(42);
  say(`generating ${N} entries…`);
  const entries = makeEntries(corpus, N);
  const data: OpData = {
    texts: Array.from({ length: 5000 }, () => corpus.text()),
    queries: Array.from({ length: 5000 }, () => corpus.query()),
    randomKeys: Array.from({ length: 20000 }, () => `k${corpus.int(N)}`),
    offsets: Array.from({ length: 1000 }, () => corpus.int(200)),
    heavyQuery: corpus.vocabulary[0]!,
  };
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
  const projects = new ProjectService(db, audit);
  const sessions = new SessionService(db, store, audit, projects, {
    defaultIdleTimeoutMinutes: () => 120,
  });
  const access = new AccessControl(sessions, audit);
  const memory = new MemoryService(store, access);
  void Redactor;
  let t0 = performance.now();
  for (let i = 0; i < N; i += 2000)
    store.transaction(() =>
      entries.slice(i, i + 2000).forEach((e) => store.importInTransaction(e)),
    );
  const inprocLoadMs = performance.now() - t0;

  const daemon = await startDaemon(dir, { cpuProfDir: args['cpu-prof'] });
  const main = await AistackClient.connect(daemon.socket, { token: daemon.token });
  say(`loading ${N} entries through the daemon (memory.import, batches of 2000)…`);
  t0 = performance.now();
  for (let i = 0; i < N; i += 2000)
    await main.call('memory.import', { entries: entries.slice(i, i + 2000) });
  const daemonLoadMs = performance.now() - t0;
  let links = 0;
  if (OPS.has('memory.related')) {
    t0 = performance.now();
    links = insertLinks(join(dir, 'data', 'aistack.db'), 'bench', 2);
    insertLinks(db, 'bench', 2);
    say(
      `linked the entries: ${links} links in ${Math.round(performance.now() - t0)} ms (both files)`,
    );
  }
  const maxClients = Math.max(...LEVELS);
  // The clients run in a worker thread, the limit line's in another; see load.ts.
  const load = await LoadGenerator.connect(data, daemon, maxClients, true);
  const minimal = OPS.has('memory.get')
    ? await startMinimalServer(dir, join(dir, 'data', 'aistack.db'))
    : undefined;
  const limitLoad = minimal && (await LoadGenerator.connect(data, minimal, maxClients));

  const inprocSession = sessions.start({}).session;
  const inprocCreds = { sessionId: inprocSession.id };
  const op = { method: 'bench', connection: 0 };
  const pick = <T>(items: T[], i: number): T => items[i % items.length]!;
  let n = 0;
  const inprocOps: Record<string, () => unknown> = {
    // One write, one transaction: what a single in-process writer does.
    'memory.store': () =>
      store.put({
        key: `w0-${n % 5000}`,
        namespace: 'bench-w',
        content: pick(data.texts, n++),
        metadata: {},
        tags: [],
        agentId: null,
        sessionId: inprocCreds.sessionId,
      }),
    'memory.get': () => memory.get({ key: pick(data.randomKeys, n++), namespace: 'bench' }, op),
    'memory.search': () =>
      memory.search({ query: pick(data.queries, n++), limit: 10, offset: 0 }, op),
    // The store's list itself (MemoryService.list hands it to the read pool, a promise).
    'memory.list': () => store.list({ namespace: 'bench' }, {}, 20, pick(data.offsets, n++)),
    // The walk and its page (MemoryService hands them to the read pool, a promise).
    'memory.related': () => {
      const start = store.links.rowidOf('bench', pick(data.randomKeys, n++))!;
      return relatedPage(store.links, {
        start,
        root: { namespace: 'bench', key: '' },
        scope: {},
        walk: { depth: 2, direction: 'both', maxNodes: 100 },
        budgetBytes: DEFAULT_REPLY_BUDGET_BYTES,
        reserveBytes: 0,
      });
    },
  };

  const rows: Row[] = [];
  const inprocBy: Record<string, Summary> = {};
  for (const [name, inprocOp] of Object.entries(inprocOps)) {
    if (!OPS.has(name)) continue;
    const inprocRuns: Summary[] = [];
    for (let r = 0; r < REPEAT; r++) inprocRuns.push(runSync(DURATION, inprocOp));
    const inproc = (inprocBy[name] = medianSummary(inprocRuns));
    for (const level of LEVELS) {
      const runs: Summary[] = [];
      const limitRuns: Summary[] = [];
      // The limit line's run right after each of the daemon's: their ratio is taken
      // under the same machine load.
      for (let r = 0; r < REPEAT; r++) {
        runs.push(await load.run(name as OpName, level, DURATION));
        if (limitLoad && name === 'memory.get')
          limitRuns.push(await limitLoad.run('memory.get', level, DURATION));
      }
      const d = medianSummary(runs);
      rows.push({ op: name, clients: level, daemon: d, inproc });
      say(
        `${name} × ${level}: ${d.opsPerSec} ops/s, p50 ${d.p50Us} µs (in-process ${inproc.opsPerSec} ops/s, p50 ${inproc.p50Us} µs)`,
      );
      if (limitRuns.length > 0) {
        const m = medianSummary(limitRuns);
        rows.push({ op: `${name} minimal server`, clients: level, daemon: m, inproc });
        say(`${name} minimal server × ${level}: ${m.opsPerSec} ops/s, p50 ${m.p50Us} µs`);
      }
    }
  }
  await load.close();
  if (limitLoad) await limitLoad.close();
  if (minimal) await minimal.stop();

  const cellInput = { dir, data, levels: LEVELS, durationMs: DURATION, repeat: REPEAT, say };
  let noisy: NoisyNeighbourReport | undefined;
  if (OPS.has('noisy-neighbour')) noisy = await noisyNeighbourCell(cellInput, daemon);
  const status = await main.call('system.status');
  main.close();
  await daemon.stop();
  if (OPS.has('memory.store') && OPS.has('store-full'))
    rows.push(...(await storeFullCells(cellInput, inprocBy['memory.store']!)));
  let vector;
  if (!args['skip-vector']) {
    const phase = await vectorPhase({
      dir,
      entries,
      vocabulary: corpus.vocabulary,
      queries: vectorQueries,
      recallQueries,
      inproc: { db, store, access },
      startDaemon: (config) => startDaemon(dir, { config: config as object }),
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
  let mcpHttp;
  if (!args['skip-mcp']) {
    say('measuring the MCP shim: time to initialize and memory, 7 starts…');
    mcp = await measureMcpStartup({ runs: 7 });
    say('measuring MCP over HTTP: 7 new sessions, then 50 held open…');
    mcpHttp = await measureMcpHttp({ runs: 7, sessions: 50 });
  }
  const report = {
    entries: N,
    ...(links ? { links } : {}),
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
    ...(noisy ? { noisyNeighbour: noisy } : {}),
    ...(vector ? { vector } : {}),
    ...(mcp ? { mcp } : {}),
    ...(mcpHttp ? { mcpHttp } : {}),
  };
  printReport(report, Boolean(args.json));
  rmSync(dir, { recursive: true, force: true });
}

main().catch((err) => {
  process.stderr.write(`bench failed: ${(err as Error).stack}\n`);
  process.exit(1);
});
