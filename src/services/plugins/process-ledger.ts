/**
 * The plugin processes a daemon started, in `<dataDir>/plugin-processes.json` (0600), so
 * that the next daemon can kill any that a daemon killed with SIGKILL left behind. A
 * plugin host ends itself when its daemon goes (host.ts), unless the plugin blocks its
 * only thread for good; this is the backstop for that.
 *
 * A recorded pid is killed only while it is still the same process: same boot
 * (/proc/sys/kernel/random/boot_id), same start time (/proc/<pid>/stat), and a command
 * line that still names the plugin host and the plugin's entry (/proc/<pid>/cmdline).
 * A pid reused by any other process is never touched. Without /proc (macOS) nothing can
 * be told apart, so nothing is killed; the daemon logs it.
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { AuditSink } from '../audit/audit-sink.js';

const entrySchema = z.strictObject({
  pid: z.number().int().positive(),
  plugin: z.string().max(100),
  host: z.string().max(4096),
  entry: z.string().max(4096),
  /** Clock ticks after boot (field 22 of /proc/<pid>/stat); null where there is no /proc. */
  startTime: z.string().max(32).nullable(),
  bootId: z.string().max(64).nullable(),
});

const ledgerSchema = z.strictObject({
  version: z.literal(1),
  processes: z.array(entrySchema).max(100_000),
});

export type LedgerEntry = z.output<typeof entrySchema>;

export interface ProcessLedgerOptions {
  /** The ledger is `plugin-processes.json` in here. */
  dataDir: string;
  audit: AuditSink;
  logger: Logger;
}

export class ProcessLedger {
  private readonly path: string;
  private readonly audit: AuditSink;
  private readonly logger: Logger;

  constructor(options: ProcessLedgerOptions) {
    this.path = join(options.dataDir, 'plugin-processes.json');
    this.audit = options.audit;
    this.logger = options.logger;
  }

  /** Records a plugin process just spawned (its start time is read now). */
  add(pid: number, plugin: string, host: string, entry: string): void {
    const bootId = readText('/proc/sys/kernel/random/boot_id');
    const startTime = procStat(pid)?.startTime ?? null;
    this.write([...this.read(), { pid, plugin, host, entry, startTime, bootId }]);
  }

  /** Forgets a plugin process that has exited. */
  remove(pid: number): void {
    const list = this.read();
    const rest = list.filter((e) => e.pid !== pid);
    if (rest.length !== list.length) this.write(rest);
  }

  /**
   * Kills (SIGKILL) each recorded process that is still the plugin host it was, audited
   * as `plugin.leftover_killed`, and empties the ledger. For the daemon's start, whether
   * plugins are on or not, before it runs any plugin of its own.
   */
  reap(): LedgerEntry[] {
    const list = this.read();
    if (list.length === 0) return [];
    const bootId = readText('/proc/sys/kernel/random/boot_id');
    const killed: LedgerEntry[] = [];
    for (const e of list) {
      if (e.startTime === null || e.bootId === null || bootId === null) {
        this.logger.warn(
          { plugin: e.plugin, pid: e.pid },
          'cannot tell on this system whether a plugin process of an earlier daemon still runs; not killed',
        );
      } else if (e.bootId === bootId && isSameHost(e)) {
        try {
          process.kill(e.pid, 'SIGKILL');
        } catch {
          continue; // it ended meanwhile
        }
        killed.push(e);
        this.audit.record('plugin.leftover_killed', { plugin: e.plugin, pid: e.pid });
        this.logger.warn(
          { plugin: e.plugin, pid: e.pid },
          `killed process ${e.pid} of plugin ${e.plugin}, left running by a daemon that did not stop`,
        );
      }
    }
    this.write([]);
    return killed;
  }

  private read(): LedgerEntry[] {
    let text: string;
    try {
      text = readFileSync(this.path, 'utf8');
    } catch {
      return [];
    }
    try {
      return ledgerSchema.parse(JSON.parse(text)).processes;
    } catch {
      this.logger.warn(
        { file: this.path },
        'the plugin process ledger is unreadable; starting over',
      );
      return [];
    }
  }

  /** Never throws: the data dir may be gone already (a test's cleanup, say). */
  private write(processes: LedgerEntry[]): void {
    const tmp = `${this.path}.tmp`;
    try {
      writeFileSync(tmp, JSON.stringify({ version: 1, processes }), { mode: 0o600 });
      renameSync(tmp, this.path);
    } catch (err) {
      this.logger.debug({ err, file: this.path }, 'the plugin process ledger was not written');
    }
  }
}

function readText(path: string): string | null {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return null;
  }
}

/** State and start time from /proc/<pid>/stat (the command name may hold spaces and parens). */
function procStat(pid: number): { state: string; startTime: string } | undefined {
  const stat = readText(`/proc/${pid}/stat`);
  if (stat === null) return undefined;
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // fields[0] is field 3 (state); the start time is field 22.
  const [state, startTime] = [fields[0], fields[19]];
  return state && startTime ? { state, startTime } : undefined;
}

function isSameHost(e: LedgerEntry): boolean {
  const stat = procStat(e.pid);
  if (!stat || stat.state === 'Z' || stat.state === 'X' || stat.startTime !== e.startTime)
    return false;
  const argv = readText(`/proc/${e.pid}/cmdline`)?.split('\0') ?? [];
  return argv.includes(e.host) && argv.includes(e.entry);
}
