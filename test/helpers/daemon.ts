/**
 * Real daemons for tests: in-process (fast, for most tests) or as a child process (for
 * signals, SIGKILL and the CLI). Each gets its own temp dir, socket and data dir.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { readOwnerToken } from '../../src/core/owner-token.js';
import { Daemon } from '../../src/daemon/daemon.js';
import { TEST_RUN_VAR } from './test-run.js';
import { waitFor } from './wait.js';
import { AistackClient, type ClientOptions } from '../../src/clients/client.js';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const AISTACKD = join(ROOT, 'dist', 'bin', 'aistackd.js');
export const AISTACK = join(ROOT, 'dist', 'bin', 'aistack.js');

const cleanups: (() => void | Promise<void>)[] = [];

/**
 * Passed on to every daemon a test starts (in process, as a child, or autostarted by the
 * CLI), so that each checks its answers against the result schemas (vitest.config.ts).
 */
export const checkResults: NodeJS.ProcessEnv = {
  ...(process.env.AISTACK_CHECK_RESULTS
    ? { AISTACK_CHECK_RESULTS: process.env.AISTACK_CHECK_RESULTS }
    : {}),
  // This run's mark (global-setup.ts): whatever a test starts carries it, so the run's
  // teardown finds and kills a daemon a timed-out test left behind.
  ...(process.env[TEST_RUN_VAR] ? { [TEST_RUN_VAR]: process.env[TEST_RUN_VAR] } : {}),
};

/**
 * Lets the unprivileged test user reach the checkout and the node binary running the
 * suite (CI's Node 24 lives under root's 0700 home): adds search (x, never read)
 * permission for others on each ancestor directory that lacks it, such as a 0700 temp
 * dir a CI clone lives in. Returns a function that puts the modes back.
 */
export function letUnprivilegedReachRepo(): () => void {
  if (UNPRIVILEGED.uid === undefined) return () => {};
  const changed = new Map<string, number>();
  for (const start of [ROOT, dirname(process.execPath)]) {
    for (let dir = start.replace(/\/$/, ''); dir && dir !== '/'; dir = dirname(dir)) {
      const mode = statSync(dir).mode & 0o7777;
      if (!(mode & 0o001) && !changed.has(dir)) {
        chmodSync(dir, mode | 0o001);
        changed.set(dir, mode);
      }
    }
  }
  return () => changed.forEach((mode, dir) => chmodSync(dir, mode));
}

/**
 * Spawn options that drop root: tests that check "the daemon does not run as root"
 * run the daemon and the CLI as nobody when the suite itself runs as root.
 */
export const UNPRIVILEGED: { uid?: number; gid?: number } =
  process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};

/** Runs every registered cleanup (call from afterEach/afterAll). */
/** Runs `fn` at the next cleanupAll(), before anything registered earlier (LIFO). */
export function registerCleanup(fn: () => void | Promise<void>): void {
  cleanups.push(fn);
}

export async function cleanupAll(): Promise<void> {
  while (cleanups.length) await cleanups.pop()!();
}

export function tempDir(prefix = 'aistack-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export function writeConfig(dir: string, config: unknown, mode = 0o600): string {
  const path = join(dir, 'aistack.config.json');
  writeFileSync(path, JSON.stringify(config, null, 2));
  chmodSync(path, mode);
  return path;
}

export interface TestDaemon {
  daemon: Daemon;
  dir: string;
  socketPath: string;
  dataDir: string;
  /** Everything the daemon logged, as text. */
  logs(): string;
  client(): Promise<AistackClient>;
  stop(): Promise<void>;
}

export interface StartOptions {
  dir?: string;
  config?: unknown;
  configMode?: number;
  env?: NodeJS.ProcessEnv;
  /** A test clock (ms since epoch) for idle timeouts and key ages. */
  clock?: () => number;
}

/**
 * A client of the daemon at `target` (an in-process TestDaemon or a spawned ChildDaemon),
 * connected the way the real clients connect. Tests reach daemons through here (or
 * `d.client()`), so how a client authenticates is decided in one place.
 */
export function connectTo(
  target: { socketPath: string; dataDir: string },
  options: ClientOptions = {},
): Promise<AistackClient> {
  return AistackClient.connect(target.socketPath, { token: ownerToken(target), ...options });
}

/** The owner token the daemon wrote in its data dir (what the CLI and the MCP shim present). */
export function ownerToken(target: { dataDir: string }): string {
  const token = readOwnerToken(target.dataDir);
  if (!token) throw new Error(`no owner token in ${target.dataDir}`);
  return token;
}

/** Starts a real daemon in this process on a temp socket and data dir. */
export async function startDaemon(options: StartOptions = {}): Promise<TestDaemon> {
  const dir = options.dir ?? tempDir();
  const socketPath = join(dir, 'run', 'aistack.sock');
  const dataDir = join(dir, 'data');
  const configPath =
    options.config !== undefined ? writeConfig(dir, options.config, options.configMode) : undefined;
  let logText = '';
  const stream = new Writable({
    write(chunk, _enc, cb) {
      logText += chunk.toString();
      cb();
    },
  });
  const daemon = new Daemon({
    socketPath,
    dataDir,
    configPath,
    env: { HOME: dir, XDG_CONFIG_HOME: join(dir, 'xdg-config'), ...checkResults, ...options.env },
    log: { kind: 'stream', stream },
    ...(options.clock ? { clock: options.clock } : {}),
  });
  await daemon.start();
  const clients: AistackClient[] = [];
  const td: TestDaemon = {
    daemon,
    dir,
    socketPath,
    dataDir,
    logs: () => logText,
    async client() {
      const c = await connectTo({ socketPath, dataDir }, { timeoutMs: 20_000 });
      clients.push(c);
      return c;
    },
    async stop() {
      clients.forEach((c) => c.close());
      await daemon.stop();
    },
  };
  cleanups.push(() => td.stop());
  return td;
}

export interface ChildDaemon {
  child: ChildProcess;
  socketPath: string;
  dataDir: string;
  output(): string;
  exited: Promise<number | null>;
}

/** Starts `aistackd` as a child process and waits until its socket answers. */
export async function spawnDaemon(
  dir: string,
  extraArgs: string[] = [],
  env: NodeJS.ProcessEnv = {},
  as: { uid?: number; gid?: number } = {},
): Promise<ChildDaemon> {
  const socketPath = join(dir, 'run', 'aistack.sock');
  const dataDir = join(dir, 'data');
  const child = spawn(
    process.execPath,
    [AISTACKD, '--socket', socketPath, '--data-dir', dataDir, ...extraArgs],
    {
      env: {
        PATH: process.env.PATH,
        HOME: dir,
        XDG_CONFIG_HOME: join(dir, 'xdg-config'),
        ...checkResults,
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
      ...as,
    },
  );
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  );
  cleanups.push(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  await untilAnswering(child, socketPath, () => out);
  return { child, socketPath, dataDir, output: () => out, exited };
}

/**
 * Waits (up to `timeoutMs`, wide for a busy machine) until a spawned aistackd answers on
 * `socketPath`; fails at once, with its output, if it exits first.
 */
export async function untilAnswering(
  child: ChildProcess,
  socketPath: string,
  output: () => string,
  timeoutMs = 60_000,
): Promise<void> {
  const answers = async () => {
    if (child.exitCode !== null)
      throw new Error(`aistackd exited early (${child.exitCode}): ${output()}`);
    try {
      (await AistackClient.connect(socketPath)).close();
      return true;
    } catch {
      return false;
    }
  };
  await waitFor(answers, `aistackd answering on ${socketPath}`, {
    timeoutMs,
    intervalMs: 25,
  }).catch((err: Error) => {
    throw new Error(`${err.message}: ${output()}`);
  });
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The environment of a CLI run against a daemon of its own in `dir` (socket, data, home). */
export function cliEnv(dir: string): NodeJS.ProcessEnv {
  return {
    AISTACK_SOCKET: join(dir, 'run', 'aistack.sock'),
    AISTACK_DATA_DIR: join(dir, 'data'),
    HOME: dir,
    XDG_CONFIG_HOME: join(dir, 'xdg'),
  };
}

/** Runs the real `aistack` CLI. */
export function runCli(
  args: string[],
  env: NodeJS.ProcessEnv = {},
  input?: string,
  as: { uid?: number; gid?: number } = {},
): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [AISTACK, ...args], {
      env: { PATH: process.env.PATH, HOME: process.env.HOME, ...checkResults, ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
      ...as,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.stdin.end(input ?? '');
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}
