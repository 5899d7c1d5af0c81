/**
 * A daemon never outlives its home. Like gpg-agent, the daemon checks every few seconds
 * that the file at its socket path is still the socket it created; when the socket is
 * removed, replaced (another daemon, a reinstall) or its directory is gone (a removed
 * temp dir), it says so in the log and the audit log and asks to be stopped, so no
 * orphan daemon keeps running where no client can reach it. Polling with an unref'd
 * timer is the whole mechanism: it works on every file system and never keeps the
 * process alive by itself.
 */
import { lstatSync, type Stats } from 'node:fs';
import { dirname } from 'node:path';
import type { Logger } from 'pino';
import type { AuditSink } from '../services/audit/audit-sink.js';
import { describeFileType, isOwnSocket, type FileIdentity } from './file-identity.js';
import { removeOwnSocket } from './socket-home.js';

/** Why the socket is no longer the daemon's. */
export type SocketLoss =
  | { reason: 'removed' }
  | { reason: 'replaced'; found: string }
  | { reason: 'directory_gone'; found?: string };

/** The timer the watch runs on; tests pass a fake one. */
export interface IntervalTimer {
  set(fn: () => void, ms: number): unknown;
  clear(handle: unknown): void;
}

const realTimer: IntervalTimer = {
  // unref'd: the check never keeps a stopping process alive.
  set: (fn, ms) => setInterval(fn, ms).unref(),
  clear: (handle) => clearInterval(handle as NodeJS.Timeout),
};

export interface SocketWatchOptions {
  path: string;
  /** The identity of the socket file the daemon created (from `listenPrivately`). */
  own: FileIdentity;
  intervalMs: number;
  logger: Logger;
  audit: AuditSink;
  /** Called once, on the first check that finds the socket lost; the daemon stops. */
  onLost(loss: SocketLoss): void;
  timer?: IntervalTimer;
}

function lstatOrCode(path: string): Stats | string {
  try {
    return lstatSync(path);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code ?? 'UNKNOWN';
  }
}

/**
 * What is at `path` compared with the daemon's own socket: undefined while it is still
 * ours, a SocketLoss when it is gone or another file, or an error code when it cannot
 * be told (a permission change, say), which is not a reason to stop.
 */
export function inspectSocket(path: string, own: FileIdentity): SocketLoss | string | undefined {
  const st = lstatOrCode(path);
  if (typeof st !== 'string') {
    return isOwnSocket(st, own) ? undefined : { reason: 'replaced', found: describeFileType(st) };
  }
  if (st === 'ENOTDIR') return { reason: 'directory_gone', found: 'not a directory' };
  if (st !== 'ENOENT') return st;
  const dir = lstatOrCode(dirname(path));
  if (typeof dir === 'string') return { reason: 'directory_gone' };
  if (!dir.isDirectory()) return { reason: 'directory_gone', found: describeFileType(dir) };
  return { reason: 'removed' };
}

function lossMessage(path: string, loss: SocketLoss): string {
  const then = 'stopping, so no daemon is left running where no client can reach it';
  switch (loss.reason) {
    case 'removed':
      return `the socket ${path} was removed; ${then}`;
    case 'replaced':
      return `the socket ${path} was replaced by a ${loss.found} that is not this daemon's; ${then} (the ${loss.found} is left in place)`;
    case 'directory_gone':
      return `the socket directory ${dirname(path)} is gone${loss.found ? ` (a ${loss.found} is there now)` : ''}; ${then}`;
  }
}

export class SocketWatch {
  private handle: unknown;
  private stopped = false;
  private lastError?: string;
  private readonly timer: IntervalTimer;

  constructor(private readonly options: SocketWatchOptions) {
    this.timer = options.timer ?? realTimer;
  }

  start(): void {
    if (this.stopped || this.handle !== undefined) return;
    this.handle = this.timer.set(() => this.check(), this.options.intervalMs);
  }

  /** No more checks (the daemon is stopping, for whatever reason). */
  stop(): void {
    this.stopped = true;
    if (this.handle !== undefined) this.timer.clear(this.handle);
    this.handle = undefined;
  }

  /** One check; on a loss the watch stops, reports, and calls `onLost` (once). */
  check(): SocketLoss | undefined {
    if (this.stopped) return undefined;
    const { path, logger } = this.options;
    const found = inspectSocket(path, this.options.own);
    if (found === undefined) {
      this.lastError = undefined;
      return undefined;
    }
    if (typeof found === 'string') {
      if (found !== this.lastError)
        logger.warn({ socket: path, code: found }, `cannot check the socket ${path} (${found})`);
      this.lastError = found;
      return undefined;
    }
    this.stop();
    logger.warn({ socket: path, ...found }, lossMessage(path, found));
    try {
      this.options.audit.record('daemon.socket_lost', { socket: path, ...found });
    } catch (err) {
      // The audit files may have gone with the directory; stopping matters more.
      logger.error({ err }, 'could not write the daemon.socket_lost audit record');
    }
    this.options.onLost(found);
    return found;
  }

  /** Removes the socket file if it is still the one this daemon created (see socket-home). */
  removeOwnSocket(): ReturnType<typeof removeOwnSocket> {
    return removeOwnSocket(this.options.path, this.options.own);
  }
}
