/**
 * Reaching the daemon from a client: connect, and if nothing is listening start
 * `aistackd` in the background (as gpg-agent does) and wait for it. The daemon's own
 * startup error, if it fails, is shown to the user instead of a bare timeout.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, openSync, closeSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { lockHolder, socketLockPath } from '../core/lock-file.js';
import { findOwnerToken, ownerTokenPath, socketTokenPath } from '../core/owner-token.js';
import { AistackClient, RpcError, type ClientOptions } from './client.js';

export const DAEMON_ENTRY = fileURLToPath(new URL('../bin/aistackd.js', import.meta.url));

export class DaemonNotRunningError extends Error {
  constructor(readonly socketPath: string) {
    super(
      `the daemon is not running at ${socketPath}; start it with \`aistack daemon start\` (or drop --no-autostart)`,
    );
    this.name = 'DaemonNotRunningError';
  }
}

export interface ReachOptions extends ClientOptions {
  socketPath: string;
  /** The --data-dir to start a daemon with (unset: the daemon resolves it as the client did). */
  dataDir?: string | undefined;
  /** Where the daemon keeps its owner token (the resolved data dir); read unless `token` is given. */
  tokenDir: string;
  configPath?: string | undefined;
  autostart: boolean;
  /** Told what happened ("started the daemon …"); the CLI prints it to stderr. */
  say?: (message: string) => void;
  startTimeoutMs?: number;
}

function notListening(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException).code;
  return code === 'ENOENT' || code === 'ECONNREFUSED';
}

/**
 * Connects; while nothing answers but a live daemon holds the socket's lock (it is
 * starting, or stopping and about to release it), waits for it rather than starting a
 * second daemon that would only be refused. Resolves null when no daemon holds the lock.
 */
async function connectWaitingForHolder(
  options: Omit<ReachOptions, 'token'>,
): Promise<AistackClient | null> {
  const deadline = Date.now() + (options.startTimeoutMs ?? 15_000);
  for (;;) {
    try {
      return await AistackClient.connect(options.socketPath, options);
    } catch (err) {
      if (!notListening(err)) throw err;
    }
    const holder = lockHolder(socketLockPath(options.socketPath));
    if (holder === undefined) return null;
    if (Date.now() > deadline) {
      throw new Error(
        `the daemon (pid ${holder}) holds ${options.socketPath} but does not answer; it may be stuck starting or stopping`,
      );
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** True when an error says the daemon refused the call because it is stopping (nothing ran). */
export function refusedWhileStopping(err: unknown): boolean {
  return err instanceof RpcError && err.code === 'SHUTTING_DOWN' && err.data?.notStarted === true;
}

/** Waits (bounded) until no live daemon holds the socket's lock: a stopping daemon has gone. */
export async function waitUntilStopped(socketPath: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (lockHolder(socketLockPath(socketPath)) !== undefined) {
    if (Date.now() > deadline) throw new Error(`the daemon at ${socketPath} is still stopping`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The token to present: the one given, else the owner token the daemon wrote in its data dir. */
function tokenFor(options: ReachOptions): string {
  const token = options.token ?? findOwnerToken(options.socketPath, options.tokenDir);
  if (token === undefined) {
    throw new Error(
      `no token to present to the daemon: neither ${socketTokenPath(options.socketPath)} nor ${ownerTokenPath(options.tokenDir)} exists (is --data-dir the daemon's?); or set AISTACK_TOKEN to a token from \`aistack token create\``,
    );
  }
  return token;
}

/** Connects (starting the daemon when allowed and needed) and authenticates. */
export async function connectOrStart(options: ReachOptions): Promise<AistackClient> {
  const { token: _given, ...plain } = options;
  let client = await connectWaitingForHolder(plain);
  if (!client) {
    if (!options.autostart) throw new DaemonNotRunningError(options.socketPath);
    const { pid, started } = await startDaemonInBackground(options);
    options.say?.(
      started
        ? `daemon was not running; started it in the background (pid ${pid}, socket ${options.socketPath})`
        : `found the daemon running (pid ${pid}, socket ${options.socketPath}): another client started it at the same moment`,
    );
    client = await AistackClient.connect(options.socketPath, plain);
  }
  try {
    await client.authenticate(tokenFor(options));
  } catch (err) {
    client.close();
    throw err;
  }
  return client;
}

/** The daemon that answers after a start: ours (`started`), or one another client started. */
export interface StartOutcome {
  pid: number;
  started: boolean;
}

/**
 * Spawns a detached daemon and resolves once a daemon answers on the socket. Several
 * clients may do this at the same moment (six MCP shims started together): the socket's
 * instance lock lets one daemon win, and its holder says whose it is. Only the client
 * whose own child holds the lock reports `started`; the others found the winner running
 * (their children are refused by the lock and exit on their own).
 */
export async function startDaemonInBackground(
  options: Omit<ReachOptions, 'autostart' | 'tokenDir'>,
): Promise<StartOutcome> {
  const args = [DAEMON_ENTRY, '--socket', options.socketPath, '--log-file'];
  if (options.dataDir) args.push('--data-dir', options.dataDir);
  if (options.configPath) args.push('--config', options.configPath);
  const scratch = mkdtempSync(join(tmpdir(), 'aistack-start-'));
  const errFile = join(scratch, 'stderr');
  const errFd = openSync(errFile, 'w', 0o600);
  const child = spawn(process.execPath, args, {
    detached: true,
    stdio: ['ignore', 'ignore', errFd],
  });
  closeSync(errFd);
  let exited: number | null | undefined;
  child.once('exit', (code) => (exited = code));
  try {
    const deadline = Date.now() + (options.startTimeoutMs ?? 10_000);
    const lock = socketLockPath(options.socketPath);
    while (Date.now() < deadline) {
      const holder = lockHolder(lock);
      if (exited !== undefined && (holder === undefined || holder === child.pid)) {
        const why = readFileSync(errFile, 'utf8').trim() || `aistackd exited with code ${exited}`;
        throw new Error(`could not start the daemon: ${why.replace(/^aistackd: /, '')}`);
      }
      try {
        const probe = await AistackClient.connect(options.socketPath);
        probe.close();
        // The daemon serving holds the socket's lock (taken before it listens).
        const serving = lockHolder(lock);
        if (serving !== undefined) {
          child.unref();
          return { pid: serving, started: serving === child.pid };
        }
      } catch {
        /* not answering yet */
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    child.kill('SIGTERM');
    throw new Error(`the daemon did not come up within ${options.startTimeoutMs ?? 10_000} ms`);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}
