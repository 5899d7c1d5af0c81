/**
 * Pid lock files, as read by anyone: the daemon takes its single-instance locks with
 * them (daemon/instance-lock.ts), and a client reads the socket's lock to tell a daemon
 * that is starting or stopping (lock held by a live pid, socket not answering) from no
 * daemon at all, so it never starts a second one against it.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export function pidAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function readLockPid(path: string): number | undefined {
  try {
    const pid = Number.parseInt(readFileSync(path, 'utf8').trim(), 10);
    return Number.isInteger(pid) ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** The socket named on a lock's second line (the data dir's lock has one), if any. */
export function readLockSocket(path: string): string | undefined {
  try {
    const line = readFileSync(path, 'utf8').split('\n')[1]?.trim();
    return line ? line : undefined;
  } catch {
    return undefined;
  }
}

/** The live pid holding the lock at `path`, if any. */
export function lockHolder(path: string): number | undefined {
  const pid = readLockPid(path);
  return pid !== undefined && pidAlive(pid) ? pid : undefined;
}

/** The lock a daemon holds beside its socket while it runs, starts or stops. */
export const socketLockPath = (socketPath: string) => `${socketPath}.lock`;

/** The lock a daemon holds in its data dir; its second line names the daemon's socket. */
export const dataDirLockPath = (dataDir: string) => join(dataDir, 'aistackd.lock');

/**
 * The socket of the daemon running on `dataDir`, read from its data-dir lock: set only
 * while a live process holds that lock. Clients whose environment computes another socket
 * path (an MCP client started without XDG_RUNTIME_DIR) find the daemon through this.
 */
export function runningDaemonSocket(dataDir: string): string | undefined {
  const path = dataDirLockPath(dataDir);
  return lockHolder(path) === undefined ? undefined : readLockSocket(path);
}
