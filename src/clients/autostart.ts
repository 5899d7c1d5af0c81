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
    const pid = await startDaemonInBackground(options);
    options.say?.(
      `daemon was not running; started it in the background (pid ${pid}, socket ${options.socketPath})`,
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

/** Spawns a detached daemon and resolves with its pid once its socket accepts connections. */
export async function startDaemonInBackground(
  options: Omit<ReachOptions, 'autostart' | 'tokenDir'>,
): Promise<number> {
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
    while (Date.now() < deadline) {
      if (exited !== undefined) {
        const why = readFileSync(errFile, 'utf8').trim() || `aistackd exited with code ${exited}`;
        throw new Error(`could not start the daemon: ${why.replace(/^aistackd: /, '')}`);
      }
      try {
        const probe = await AistackClient.connect(options.socketPath);
        probe.close();
        child.unref();
        return child.pid!;
      } catch {
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    child.kill('SIGTERM');
    throw new Error(`the daemon did not come up within ${options.startTimeoutMs ?? 10_000} ms`);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}
