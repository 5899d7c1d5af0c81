/**
 * Looking at other processes from a test (Linux /proc): whether one still runs, and
 * ending a plugin host a failed test left behind — only when /proc says it is one, so
 * a pid reused since is never touched.
 */
import { readFileSync } from 'node:fs';

/** True while `pid` is a live process (a zombie, dead but not yet reaped, is not). */
export function isRunning(pid: number): boolean {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return false;
  }
  const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
  return state !== 'Z' && state !== 'X';
}

/** SIGKILLs `pid` if it is still an aistack plugin host (for a test's cleanup). */
export function killPluginHost(pid: number): void {
  try {
    const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    if (argv.some((a) => a.endsWith('/plugins/host.js'))) process.kill(pid, 'SIGKILL');
  } catch {
    /* gone */
  }
}
