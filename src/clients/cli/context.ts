/**
 * What every CLI command shares: the global options, how to reach the daemon, and one
 * way to report failure (message on stderr, a meaningful exit code, never a stack).
 */
import type { Command } from 'commander';
import { CliClient } from './cli-client.js';
import { CliError, EXIT } from './cli-error.js';
import { loadConfig } from '../../config/load.js';
import { existsSync } from 'node:fs';
import { runningDaemonSocket } from '../../core/lock-file.js';
import { findOwnerToken } from '../../core/owner-token.js';
import { resolveDataDir, resolveSocketPath } from '../../config/paths.js';
import { AistackClient, RpcError } from '../client.js';
import {
  connectOrStart,
  DaemonNotRunningError,
  refusedWhileStopping,
  waitUntilStopped,
} from '../autostart.js';

export interface GlobalOptions {
  socket?: string;
  dataDir?: string;
  config?: string;
  json?: boolean;
  autostart: boolean;
  timeout?: number;
}

export { CliError, EXIT } from './cli-error.js';

export function globals(cmd: Command): GlobalOptions {
  return cmd.optsWithGlobals() as GlobalOptions;
}

/** What to run when AISTACK_SESSION names a session that is gone. */
export const STALE_SESSION_FIX =
  'run `unset AISTACK_SESSION`, or `eval "$(aistack session start)"` for a new session';

export function say(message: string): void {
  process.stderr.write(`aistack: ${message}\n`);
}

/**
 * Socket and data dir as the daemon would resolve them (config read best-effort). When no
 * socket was chosen (flag, $AISTACK_SOCKET, config) and the computed one does not exist,
 * the socket a running daemon on the same data dir recorded in its lock is used: an MCP
 * client that starts `aistack mcp` without XDG_RUNTIME_DIR still finds the daemon that
 * was started with it.
 */
export function resolvePaths(opts: GlobalOptions): { socketPath: string; dataDir: string } {
  let socketFromConfig: string | undefined;
  let dataFromConfig: string | undefined;
  try {
    const { config } = loadConfig({ flag: opts.config });
    socketFromConfig = config.daemon.socketPath;
    dataFromConfig = config.dataDir;
  } catch {
    /* the daemon reports a broken config itself; `aistack config check` explains it */
  }
  const dataDir = resolveDataDir({ flag: opts.dataDir, configValue: dataFromConfig });
  const socketPath = resolveSocketPath({ flag: opts.socket, configValue: socketFromConfig });
  const chosen = Boolean(opts.socket || process.env.AISTACK_SOCKET || socketFromConfig);
  if (!chosen && !existsSync(socketPath)) {
    const recorded = runningDaemonSocket(dataDir);
    if (recorded !== undefined && existsSync(recorded)) return { socketPath: recorded, dataDir };
  }
  return { socketPath, dataDir };
}

/** The token the CLI presents: $AISTACK_TOKEN (a scoped token), else the owner token file. */
export function reachOptions(opts: GlobalOptions) {
  const { socketPath, dataDir } = resolvePaths(opts);
  return {
    socketPath,
    dataDir: opts.dataDir,
    tokenDir: dataDir,
    ...(process.env.AISTACK_TOKEN ? { token: process.env.AISTACK_TOKEN } : {}),
  };
}

export async function connect(opts: GlobalOptions): Promise<AistackClient> {
  const timeoutMs = opts.timeout !== undefined ? opts.timeout * 1000 : 0;
  return connectOrStart({
    ...reachOptions(opts),
    clientName: 'aistack-cli',
    configPath: opts.config,
    autostart: opts.autostart,
    timeoutMs,
    say,
  });
}

/** An authenticated client of the running daemon, or undefined when none answers. */
export async function connectIfRunning(
  opts: GlobalOptions,
  timeoutMs = 5000,
): Promise<AistackClient | undefined> {
  let client: AistackClient;
  try {
    client = await AistackClient.connect(resolvePaths(opts).socketPath, { timeoutMs });
  } catch {
    return undefined;
  }
  const { token, tokenDir } = reachOptions(opts);
  const presented = token ?? findOwnerToken(resolvePaths(opts).socketPath, tokenDir);
  if (presented === undefined) {
    client.close();
    throw new CliError(
      `a daemon answers, but there is no owner token in ${tokenDir} (is --data-dir the daemon's?)`,
    );
  }
  try {
    await client.authenticate(presented);
  } catch (err) {
    client.close();
    throw err;
  }
  return client;
}

/** Runs `fn` with a client (connected when first used) and closes it, whatever happens. */
export async function withClient<T>(
  cmd: Command,
  fn: (client: CliClient, opts: GlobalOptions) => Promise<T>,
): Promise<T> {
  const opts = globals(cmd);
  for (let attempt = 1; ; attempt++) {
    // Connects on the first call whose arguments are valid (see cli-client.ts).
    const client = new CliClient(() => connect(opts));
    try {
      return await fn(client, opts);
    } catch (err) {
      // The daemon was stopping (a restart, say) and ran nothing: wait for it to go, then
      // try once more, which starts a fresh daemon when autostart is on.
      if (attempt > 1 || !opts.autostart || !refusedWhileStopping(err)) throw err;
      say('the daemon is stopping; waiting for it, then trying again');
      await waitUntilStopped(resolvePaths(opts).socketPath);
    } finally {
      client.close();
    }
  }
}

/** A failure as the CLI reports it: a code, a message, a hint, field issues, an exit code. */
interface Failure {
  code: string;
  message: string;
  hint?: string;
  issues?: { path: string; message: string }[];
  exit: number;
}

function describeFailure(err: unknown): Failure {
  if (err instanceof CliError) {
    return {
      code: err.exitCode === EXIT.USAGE ? 'USAGE' : 'FAILURE',
      message: err.message,
      exit: err.exitCode,
    };
  }
  if (err instanceof DaemonNotRunningError)
    return { code: 'NOT_RUNNING', message: err.message, exit: EXIT.NOT_RUNNING };
  if (err instanceof RpcError) {
    const stale =
      err.code === 'SESSION_INVALID' &&
      process.env.AISTACK_SESSION !== undefined &&
      err.data?.reason !== 'incomplete';
    const issues = err.data?.issues as { path: string; message: string }[] | undefined;
    return {
      code: err.code,
      message: err.message,
      ...(stale && {
        hint: `AISTACK_SESSION names a session that has ended: ${STALE_SESSION_FIX}`,
      }),
      ...(issues?.length && { issues }),
      exit: EXIT.FAILURE,
    };
  }
  return { code: 'FAILURE', message: (err as Error)?.message ?? String(err), exit: EXIT.FAILURE };
}

/**
 * Turns any failure into an exit code and a report on stderr: one line (plus the hint and
 * field issues) for people, or with `--json` one JSON object, `{"error": {code, message,
 * …}}`, for scripts.
 */
export function reportFailure(err: unknown, json = false): number {
  const f = describeFailure(err);
  if (json) {
    const { exit: _exit, ...error } = f;
    process.stderr.write(`${JSON.stringify({ error })}\n`);
    return f.exit;
  }
  say(
    f.code === 'FAILURE' || f.code === 'USAGE' || f.code === 'NOT_RUNNING'
      ? f.message
      : `${f.message} [${f.code}]`,
  );
  if (f.hint) say(f.hint);
  for (const i of f.issues ?? []) process.stderr.write(`  ${i.path || '(params)'}: ${i.message}\n`);
  return f.exit;
}
