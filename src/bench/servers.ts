/**
 * The processes the bench measures: a real aistackd in a temp dir (optionally under
 * `--cpu-prof`, to see where its time goes), and the limit line — a minimal JSON-RPC
 * server (minimal-server.ts) answering `memory.get` with the same SELECT over the same
 * newline framing, in a process of its own like the daemon.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AistackClient } from '../clients/client.js';
import { DAEMON_ENTRY } from '../clients/autostart.js';
import { readOwnerToken } from '../core/owner-token.js';

export interface Served {
  pid: number | undefined;
  socket: string;
  /** The owner token (the minimal server asks for none). */
  token: string | undefined;
  /** CPU time the process has used so far, all threads (ms; undefined where /proc is not). */
  cpuMs(): number | undefined;
  stop(): Promise<void>;
}

/** Linux's USER_HZ, the unit of utime and stime in /proc/<pid>/stat (100 everywhere in practice). */
const USER_HZ = 100;

/** User + system CPU time of `pid` from /proc (undefined on other systems). */
function cpuMsOf(pid: number | undefined): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces, hence the last ')').
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / USER_HZ;
  } catch {
    return undefined;
  }
}

const MINIMAL_ENTRY = fileURLToPath(new URL('./minimal-server.js', import.meta.url));

/** Children still running; a bench that fails part-way must not leave them behind. */
const running = new Set<ChildProcess>();
process.once('exit', () => running.forEach((child) => child.kill('SIGKILL')));

function track(child: ChildProcess): ChildProcess {
  running.add(child);
  child.once('exit', () => running.delete(child));
  return child;
}

function stopper(child: ChildProcess): () => Promise<void> {
  return () =>
    new Promise((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    });
}

/** Resolves once `socket` answers a connect; rejects if the child exits first or never does. */
async function waitForSocket(socket: string, child: ChildProcess, what: string): Promise<void> {
  for (let i = 0; ; i++) {
    try {
      (await AistackClient.connect(socket)).close();
      return;
    } catch {
      if (i > 500 || child.exitCode !== null) throw new Error(`${what} did not start`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}

export interface DaemonOptions {
  /** Merged into the daemon's config file (e.g. `{ storage: { synchronous: 'full' } }`). */
  config?: object;
  /** Write a V8 CPU profile of the daemon into this directory when it stops. */
  cpuProfDir?: string | undefined;
}

/** Starts aistackd on `<dir>/run/aistack.sock` with data in `<dir>/data`. */
export async function startDaemon(
  dir: string,
  options: DaemonOptions = {},
): Promise<Served & { token: string }> {
  const socket = join(dir, 'run', 'aistack.sock');
  const config = join(dir, 'config.json');
  writeFileSync(config, JSON.stringify({ logging: { level: 'warn' }, ...options.config }), {
    mode: 0o600,
  });
  const prof = options.cpuProfDir ? ['--cpu-prof', '--cpu-prof-dir', options.cpuProfDir] : [];
  const child = track(
    spawn(
      process.execPath,
      [
        ...prof,
        DAEMON_ENTRY,
        '--socket',
        socket,
        '--data-dir',
        join(dir, 'data'),
        '--config',
        config,
      ],
      { stdio: ['ignore', 'ignore', 'inherit'] },
    ),
  );
  await waitForSocket(socket, child, 'aistackd');
  return {
    socket,
    pid: child.pid,
    token: readOwnerToken(join(dir, 'data'))!,
    cpuMs: () => cpuMsOf(child.pid),
    stop: stopper(child),
  };
}

/** Starts the minimal server on `<dir>/minimal.sock`, reading the daemon's database file. */
export async function startMinimalServer(dir: string, databasePath: string): Promise<Served> {
  const socket = join(dir, 'minimal.sock');
  const child = track(
    spawn(process.execPath, [MINIMAL_ENTRY, socket, databasePath], {
      stdio: ['ignore', 'ignore', 'inherit'],
    }),
  );
  await waitForSocket(socket, child, 'the minimal server');
  return {
    socket,
    pid: child.pid,
    token: undefined,
    cpuMs: () => cpuMsOf(child.pid),
    stop: stopper(child),
  };
}
