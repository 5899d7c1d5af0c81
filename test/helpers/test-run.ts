/**
 * Leftover processes of a test run. A test that times out while a daemon it started
 * (directly, or autostarted by the CLI or the MCP shim) is still running leaves that
 * daemon behind: its cleanup never learns of it. Every process a test starts carries
 * this run's mark in its environment (checkResults in daemon.ts), and the run's
 * teardown kills whatever still carries it. Linux only (/proc); elsewhere nothing is
 * found.
 */
import { readdirSync, readFileSync } from 'node:fs';

export const TEST_RUN_VAR = 'AISTACK_TEST_RUN';

/** Pids of the processes whose environment holds `VAR=mark` (never this one). */
export function markedProcesses(mark: string): number[] {
  const needle = Buffer.from(`${TEST_RUN_VAR}=${mark}\0`);
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((p) => /^\d+$/.test(p));
  } catch {
    return [];
  }
  return pids.map(Number).filter((pid) => {
    if (pid === process.pid) return false;
    try {
      return readFileSync(`/proc/${pid}/environ`).includes(needle);
    } catch {
      return false; // gone, or not ours to read
    }
  });
}

/** Kills the run's leftovers; returns each one's pid and command line, to find the test. */
export function killLeftovers(mark: string): string[] {
  return markedProcesses(mark).map((pid) => {
    let command = '?';
    try {
      command = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
    } catch {
      // Gone already: the kill below finds nothing either.
    }
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
    return `${pid} ${command}`;
  });
}
