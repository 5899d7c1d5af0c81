/**
 * Pid lock files, as read by anyone: the daemon takes its single-instance locks with
 * them (daemon/instance-lock.ts), and a client reads the socket's lock to tell a daemon
 * that is starting or stopping (lock held by a live pid, socket not answering) from no
 * daemon at all, so it never starts a second one against it.
 */
import { readFileSync } from 'node:fs';

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

/** The live pid holding the lock at `path`, if any. */
export function lockHolder(path: string): number | undefined {
  const pid = readLockPid(path);
  return pid !== undefined && pidAlive(pid) ? pid : undefined;
}

/** The lock a daemon holds beside its socket while it runs, starts or stops. */
export const socketLockPath = (socketPath: string) => `${socketPath}.lock`;
