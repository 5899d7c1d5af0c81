/**
 * The ledger of plugin processes: at the next daemon's start it kills a recorded process
 * only while it is still the plugin host it was — never a pid some other process has
 * taken since. Real processes stand in for plugin hosts (Linux only: /proc).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { ProcessLedger } from '../../src/services/plugins/process-ledger.js';
import { cleanupAll, tempDir } from '../helpers/daemon.js';
import { isRunning } from '../helpers/processes.js';
import { waitFor } from '../helpers/wait.js';

const children: ChildProcess[] = [];
afterEach(async () => {
  children.splice(0).forEach((c) => c.kill('SIGKILL'));
  await cleanupAll();
});

const HOST = '/opt/aistack/dist/services/plugins/host.js';
const ENTRY = '/data/approved-plugins/p/abc/index.mjs';

/** A live process whose command line carries `args`, as a plugin host's carries its paths. */
async function idle(...args: string[]): Promise<number> {
  const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)', ...args], {
    stdio: 'ignore',
  });
  children.push(child);
  await new Promise((resolve, reject) => child.once('spawn', resolve).once('error', reject));
  const pid = child.pid!;
  // Until exec, /proc shows this process's command line, not the child's.
  await waitFor(
    () => readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('setInterval'),
    'the child to exec',
  );
  return pid;
}

describe.runIf(process.platform === 'linux')('plugin process ledger', () => {
  it('kills a recorded plugin host that still runs, and no process that has taken a recorded pid since', async () => {
    const dataDir = tempDir();
    const path = join(dataDir, 'plugin-processes.json');
    const audit: { event: string; details?: Record<string, unknown> }[] = [];
    const sink = {
      record: (event: string, details?: Record<string, unknown>) => audit.push({ event, details }),
    };
    const ledger = new ProcessLedger({ dataDir, audit: sink, logger: pino({ level: 'silent' }) });

    const host = await idle(HOST, ENTRY);
    const stranger = await idle('some', 'other-program');
    const restarted = await idle(HOST, ENTRY);
    const gone = await idle(HOST, ENTRY);
    for (const pid of [host, stranger, restarted, gone]) ledger.add(pid, 'p', HOST, ENTRY);
    ledger.remove(gone);
    // As if `restarted`'s pid had been a plugin host's before it: another start time.
    const file = JSON.parse(readFileSync(path, 'utf8')) as {
      processes: { pid: number; startTime: string }[];
    };
    file.processes.find((e) => e.pid === restarted)!.startTime = '1';
    writeFileSync(path, JSON.stringify(file));

    expect(ledger.reap().map((e) => e.pid)).toEqual([host]);
    expect(audit).toEqual([
      { event: 'plugin.leftover_killed', details: { plugin: 'p', pid: host } },
    ]);
    await waitFor(() => !isRunning(host), 'the recorded plugin host to be killed');
    expect(isRunning(stranger)).toBe(true);
    expect(isRunning(restarted)).toBe(true);
    expect(isRunning(gone)).toBe(true);
    // Everything recorded is dealt with: a second start finds nothing.
    expect(ledger.reap()).toEqual([]);
  });

  it('starts over from an unreadable ledger, and kills nothing', () => {
    const dataDir = tempDir();
    writeFileSync(join(dataDir, 'plugin-processes.json'), '{"version": 1, "processes": [{"pid"');
    const audit = { record: () => {} };
    const ledger = new ProcessLedger({ dataDir, audit, logger: pino({ level: 'silent' }) });
    expect(ledger.reap()).toEqual([]);
  });
});
