/**
 * What one more MCP client costs: spawns `aistack mcp` against a real daemon `runs`
 * times and measures, for each, the time from spawn to the `initialize` answer and the
 * shim's memory once it has served a tool call (RSS, and on Linux the private memory,
 * which is what an extra process really adds: the node binary's pages are shared).
 * The quality bar is ~150 ms and ~50 MB. Runnable on its own:
 * `node dist/bench/mcp-startup.js [--runs N] [--json]`.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { AistackClient } from '../clients/client.js';
import { DAEMON_ENTRY } from '../clients/autostart.js';

const AISTACK_ENTRY = fileURLToPath(new URL('../bin/aistack.js', import.meta.url));
const STEP_TIMEOUT_MS = 15_000;

export interface McpStartupResult {
  runs: number;
  /** Median ms from spawning the shim to its `initialize` answer. */
  initializeMs: number;
  /**
   * Median CPU time (user + system) the shim had used when it answered `initialize`;
   * unlike wall time it does not grow when other processes load the machine. Linux only.
   */
  initializeCpuMs: number | null;
  /** Median ms from spawning to the answer of a first tool call (session opened, daemon reached). */
  firstCallMs: number;
  /** Median resident set size after the first tool call, in MB. */
  rssMb: number;
  /** Median private (unshared) memory after the first call, in MB; Linux only. */
  privateMb: number | null;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};
const round = (n: number) => Math.round(n * 10) / 10;

async function waitForSocket(socketPath: string, daemon: ChildProcess): Promise<void> {
  const deadline = Date.now() + STEP_TIMEOUT_MS;
  for (;;) {
    if (daemon.exitCode !== null) throw new Error('aistackd exited during startup');
    try {
      (await AistackClient.connect(socketPath)).close();
      return;
    } catch {
      if (Date.now() > deadline) throw new Error('aistackd did not start');
      await new Promise((r) => setTimeout(r, 25));
    }
  }
}

/** CPU time (user + system) a process has used so far, in ms; null where /proc is missing. */
function cpuMsOf(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces) start at field 3.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    return (ticks * 1000) / CLOCK_TICKS;
  } catch {
    return null;
  }
}

/** USER_HZ: 100 on every mainstream Linux build. */
const CLOCK_TICKS = 100;

/** Resident and private memory of a process, in MB. */
async function memoryOf(pid: number): Promise<{ rss: number; priv: number | null }> {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const rss = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1]) / 1024;
    const rollup = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
    const kb = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(rollup)?.[1] ?? 0);
    return { rss, priv: (kb('Private_Clean') + kb('Private_Dirty')) / 1024 };
  } catch {
    // Not Linux: ps reports RSS in KiB.
    const out = await new Promise<string>((resolve, reject) =>
      execFile('ps', ['-o', 'rss=', '-p', String(pid)], { timeout: 5000 }, (err, stdout) =>
        err ? reject(err) : resolve(stdout),
      ),
    );
    return { rss: Number(out.trim()) / 1024, priv: null };
  }
}

/** Answers, by id, read from a shim's stdout (newline-delimited JSON-RPC). */
function replies(child: ChildProcess): (id: number) => Promise<void> {
  const waiting = new Map<number, () => void>();
  const seen = new Set<number>();
  let buffer = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    buffer += chunk.toString('utf8');
    let nl: number;
    while ((nl = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, nl);
      buffer = buffer.slice(nl + 1);
      const id = (JSON.parse(line) as { id?: unknown }).id;
      if (typeof id !== 'number') continue;
      seen.add(id);
      waiting.get(id)?.();
    }
  });
  return (id) =>
    new Promise<void>((resolve, reject) => {
      if (seen.has(id)) return resolve();
      const timer = setTimeout(
        () => reject(new Error(`no answer ${id} from aistack mcp`)),
        STEP_TIMEOUT_MS,
      );
      waiting.set(id, () => {
        clearTimeout(timer);
        resolve();
      });
    });
}

async function oneRun(socketPath: string, dataDir: string) {
  const started = performance.now();
  const child = spawn(
    process.execPath,
    [AISTACK_ENTRY, '--socket', socketPath, '--data-dir', dataDir, '--no-autostart', 'mcp'],
    {
      stdio: ['pipe', 'pipe', 'ignore'],
    },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    const answer = replies(child);
    const send = (m: unknown) => child.stdin!.write(`${JSON.stringify(m)}\n`);
    send({
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: {
        protocolVersion: '2025-06-18',
        capabilities: {},
        clientInfo: { name: 'aistack-bench', version: '1' },
      },
    });
    await answer(1);
    const initializeMs = performance.now() - started;
    const initializeCpuMs = cpuMsOf(child.pid!);
    send({ jsonrpc: '2.0', method: 'notifications/initialized' });
    send({
      jsonrpc: '2.0',
      id: 2,
      method: 'tools/call',
      params: { name: 'session_status', arguments: {} },
    });
    await answer(2);
    const firstCallMs = performance.now() - started;
    const mem = await memoryOf(child.pid!);
    return { initializeMs, initializeCpuMs, firstCallMs, ...mem };
  } finally {
    child.stdin!.end();
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  }
}

/** Spawns `aistack mcp` `runs` times (one at a time) against a fresh daemon and reports medians. */
export async function measureMcpStartup({
  runs = 5,
}: { runs?: number } = {}): Promise<McpStartupResult> {
  const dir = mkdtempSync(join(tmpdir(), 'aistack-mcp-bench-'));
  const socketPath = join(dir, 'run', 'aistack.sock');
  const daemon = spawn(
    process.execPath,
    [DAEMON_ENTRY, '--socket', socketPath, '--data-dir', join(dir, 'data')],
    {
      stdio: 'ignore',
      env: { PATH: process.env.PATH, HOME: dir, XDG_CONFIG_HOME: join(dir, 'xdg') },
    },
  );
  try {
    await waitForSocket(socketPath, daemon);
    await oneRun(socketPath, join(dir, 'data')); // warm the file cache, as for every client after the first
    const samples = [];
    for (let i = 0; i < runs; i++) samples.push(await oneRun(socketPath, join(dir, 'data')));
    const known = (xs: (number | null)[]) => xs.filter((x): x is number => x !== null);
    const privs = known(samples.map((s) => s.priv));
    const cpus = known(samples.map((s) => s.initializeCpuMs));
    return {
      runs,
      initializeMs: round(median(samples.map((s) => s.initializeMs))),
      initializeCpuMs: cpus.length ? round(median(cpus)) : null,
      firstCallMs: round(median(samples.map((s) => s.firstCallMs))),
      rssMb: round(median(samples.map((s) => s.rss))),
      privateMb: privs.length ? round(median(privs)) : null,
    };
  } finally {
    const gone = new Promise((r) => daemon.once('exit', r));
    daemon.kill('SIGTERM');
    await Promise.race([gone, new Promise((r) => setTimeout(r, 5000))]);
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { values } = parseArgs({
    options: { runs: { type: 'string', default: '7' }, json: { type: 'boolean', default: false } },
  });
  const r = await measureMcpStartup({ runs: Number(values.runs) });
  if (values.json) process.stdout.write(`${JSON.stringify(r)}\n`);
  else
    process.stdout.write(
      `aistack mcp, median of ${r.runs} starts: initialize ${r.initializeMs} ms` +
        `${r.initializeCpuMs === null ? '' : ` (${r.initializeCpuMs} ms CPU)`} (bar ~150), first tool call ${r.firstCallMs} ms, ` +
        `RSS ${r.rssMb} MB${r.privateMb === null ? '' : `, private ${r.privateMb} MB`} (bar ~50)\n`,
    );
}
