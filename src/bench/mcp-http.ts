/**
 * What one more MCP client costs over Streamable HTTP (`/mcp` inside the daemon), to set
 * beside the stdio shim's numbers (mcp-startup.ts): there is no process to spawn, so the
 * cost is the time from the first request of a new MCP session to its first tool result,
 * and the daemon memory each open session holds (its RSS with `sessions` extra sessions
 * open, less its RSS before, divided by their number). Requests are plain fetch calls
 * (the client's own cost is not the daemon's). Runnable on its own:
 * `node dist/bench/mcp-http.js [--runs N] [--sessions N] [--json]`.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { DAEMON_ENTRY } from '../clients/autostart.js';
import { readOwnerToken } from '../core/owner-token.js';

const STEP_TIMEOUT_MS = 15_000;

export interface McpHttpResult {
  runs: number;
  /** Median ms from a new session's `initialize` request to its answer. */
  initializeMs: number;
  /** Median ms from `initialize` to the answer of the first tool call (session_status). */
  firstCallMs: number;
  /** Extra sessions held open for the memory measure. */
  sessions: number;
  /** Daemon RSS growth per extra open MCP session, in MB. */
  rssPerSessionMb: number;
  /** Daemon RSS before opening them, in MB. */
  daemonRssMb: number;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};
const round = (n: number, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits;

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const s = createServer()
      .once('error', reject)
      .listen(0, '127.0.0.1', () => {
        const { port } = s.address() as { port: number };
        s.close(() => resolve(port));
      });
  });

const rssMb = (pid: number) =>
  Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]) / 1024;

/** A small MCP client over fetch: enough for initialize, one tool call and DELETE. */
class RawSession {
  private id: string | undefined;
  private next = 1;

  constructor(
    private readonly url: string,
    private readonly token: string,
  ) {}

  private async post(body: unknown): Promise<unknown> {
    const res = await fetch(this.url, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${this.token}`,
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        ...(this.id && { 'mcp-session-id': this.id }),
      },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(STEP_TIMEOUT_MS),
    });
    this.id ??= res.headers.get('mcp-session-id') ?? undefined;
    const text = await res.text();
    if (res.status >= 300) throw new Error(`/mcp answered ${res.status}: ${text.slice(0, 300)}`);
    // An SSE answer: the JSON-RPC message is on a `data:` line.
    const data = text.split('\n').find((l) => l.startsWith('data: '));
    return data ? JSON.parse(data.slice(6)) : text ? JSON.parse(text) : undefined;
  }

  async initialize(): Promise<void> {
    await this.post({
      jsonrpc: '2.0',
      id: this.next++,
      method: 'initialize',
      params: {
        protocolVersion: '2025-06-18',
        capabilities: {},
        clientInfo: { name: 'aistack-bench', version: '1' },
      },
    });
    await this.post({ jsonrpc: '2.0', method: 'notifications/initialized' });
  }

  async call(name: string): Promise<void> {
    const r = (await this.post({
      jsonrpc: '2.0',
      id: this.next++,
      method: 'tools/call',
      params: { name, arguments: {} },
    })) as { result?: { isError?: boolean } };
    if (!r?.result || r.result.isError) throw new Error(`${name} failed: ${JSON.stringify(r)}`);
  }

  async close(): Promise<void> {
    await fetch(this.url, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${this.token}`, 'mcp-session-id': this.id ?? '' },
      signal: AbortSignal.timeout(STEP_TIMEOUT_MS),
    });
  }
}

/** Starts a daemon with /mcp on, measures `runs` new sessions, then `sessions` held open. */
export async function measureMcpHttp({
  runs = 7,
  sessions = 50,
}: { runs?: number; sessions?: number } = {}): Promise<McpHttpResult> {
  const dir = mkdtempSync(join(tmpdir(), 'aistack-mcp-http-bench-'));
  const port = await freePort();
  const config = join(dir, 'aistack.config.json');
  writeFileSync(
    config,
    JSON.stringify({
      http: {
        enabled: true,
        port,
        rateLimit: { max: 1_000_000 },
        mcp: { maxSessionsPerToken: sessions + runs + 10 },
      },
    }),
    { mode: 0o600 },
  );
  const dataDir = join(dir, 'data');
  const daemon = spawn(
    process.execPath,
    [
      DAEMON_ENTRY,
      '--socket',
      join(dir, 'run', 'aistack.sock'),
      '--data-dir',
      dataDir,
      '--config',
      config,
    ],
    {
      stdio: 'ignore',
      env: { PATH: process.env.PATH, HOME: dir, XDG_CONFIG_HOME: join(dir, 'xdg') },
    },
  );
  const url = `http://127.0.0.1:${port}/mcp`;
  try {
    const deadline = Date.now() + STEP_TIMEOUT_MS;
    let token: string | undefined;
    while (!token) {
      if (daemon.exitCode !== null) throw new Error('aistackd exited during startup');
      if (Date.now() > deadline) throw new Error('aistackd did not start');
      const up = await fetch(url, { method: 'GET' }).then(
        (r) => r.status === 401,
        () => false,
      );
      if (up) token = readOwnerToken(dataDir);
      else await new Promise((r) => setTimeout(r, 25));
    }
    const one = async () => {
      const s = new RawSession(url, token);
      const t0 = performance.now();
      await s.initialize();
      const initializeMs = performance.now() - t0;
      await s.call('session_status');
      return { s, initializeMs, firstCallMs: performance.now() - t0 };
    };
    await (await one()).s.close(); // warm the daemon's code paths, as for every client after the first
    const samples = [];
    for (let i = 0; i < runs; i++) {
      const r = await one();
      await r.s.close();
      samples.push(r);
    }
    const before = rssMb(daemon.pid!);
    const open: RawSession[] = [];
    for (let i = 0; i < sessions; i++) open.push((await one()).s);
    const after = rssMb(daemon.pid!);
    await Promise.all(open.map((s) => s.close()));
    return {
      runs,
      initializeMs: round(median(samples.map((s) => s.initializeMs))),
      firstCallMs: round(median(samples.map((s) => s.firstCallMs))),
      sessions,
      rssPerSessionMb: round((after - before) / sessions, 2),
      daemonRssMb: round(before),
    };
  } finally {
    const gone = new Promise((r) => daemon.once('exit', r));
    daemon.kill('SIGTERM');
    await Promise.race([gone, new Promise((r) => setTimeout(r, 5000))]);
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The report line, beside the shim's. */
export function describeMcpHttp(r: McpHttpResult): string {
  return (
    `MCP over HTTP (/mcp, median of ${r.runs} new sessions): initialize in ${r.initializeMs} ms, first tool result ${r.firstCallMs} ms; ` +
    `daemon RSS +${r.rssPerSessionMb} MB per open session (${r.sessions} opened, from ${r.daemonRssMb} MB); no process per client`
  );
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { values } = parseArgs({
    options: {
      runs: { type: 'string', default: '7' },
      sessions: { type: 'string', default: '50' },
      json: { type: 'boolean', default: false },
    },
  });
  const r = await measureMcpHttp({ runs: Number(values.runs), sessions: Number(values.sessions) });
  process.stdout.write(values.json ? `${JSON.stringify(r)}\n` : `${describeMcpHttp(r)}\n`);
}
