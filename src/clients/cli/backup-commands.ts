/**
 * `aistack backup [--out FILE]`, `aistack backup verify FILE` and `aistack restore FILE`:
 * online backups, checking a backup, and putting one back, all through the daemon (which
 * owns the database and keeps serving meanwhile). Paths are resolved here, against the
 * caller's working directory, because the daemon's is not the caller's.
 */
import { resolve } from 'node:path';
import { createInterface } from 'node:readline/promises';
import { Command } from 'commander';
import type { ResultOf } from '../../protocol/table.js';
import { precheck } from './cli-client.js';
import {
  CliError,
  connectIfRunning,
  EXIT,
  globals,
  say,
  withClient,
  type GlobalOptions,
} from './context.js';
import { paintVerdict, stdoutPaint } from './colour.js';
import { printJson, printTable } from './output.js';
import { bytes, plural } from './human.js';

function printVerify(file: string, v: ResultOf<'backup.verify'>): void {
  const versions = v.schemaVersions.length ? v.schemaVersions.join(', ') : 'none';
  process.stdout.write(
    `${file}: ${paintVerdict(stdoutPaint(), v.ok ? 'OK' : 'FAILED')} (${bytes(v.bytes)}, integrity ${v.integrity === 'ok' ? 'ok' : 'FAILED'}, schema versions ${versions})\n`,
  );
  for (const p of v.problems) process.stdout.write(`  problem: ${p}\n`);
  if (v.schema && !v.schema.matches) {
    process.stdout.write(
      `  schema: ${plural(v.schema.differences.length, 'difference')} from aistack's (a restore uses only the rows, never the file's schema):\n`,
    );
    for (const d of v.schema.differences)
      process.stdout.write(
        `    ${d.difference} ${d.type} ${d.name} on ${d.table}: ${d.onRestore}\n`,
      );
  }
  if (Array.isArray(v.integrity))
    for (const line of v.integrity) process.stdout.write(`  integrity: ${line}\n`);
  printTable(
    Object.entries(v.tables).map(([table, rows]) => ({ table, rows: rows ?? 'unreadable' })),
    [
      { key: 'table', header: 'table' },
      { key: 'rows', header: 'rows' },
    ],
  );
}

/**
 * Asks the running daemon when one answers; otherwise (none running, or none this CLI may
 * talk to) checks the file in this process with the same code. Never starts a daemon.
 */
async function verifyBackup(opts: GlobalOptions, path: string): Promise<ResultOf<'backup.verify'>> {
  const client = await connectIfRunning(opts).catch(() => undefined);
  if (client) {
    try {
      return await client.call('backup.verify', { file: path });
    } finally {
      client.close();
    }
  }
  const { verifyBackupLocally } = await import('./backup-verify-local.js');
  return verifyBackupLocally(path);
}

async function confirm(question: string): Promise<boolean> {
  if (!process.stdin.isTTY) {
    throw new CliError(
      'refusing to restore without confirmation: run it in a terminal, or pass --yes',
      EXIT.USAGE,
    );
  }
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await rl.question(`${question} [y/N] `)).trim());
  } finally {
    rl.close();
  }
}

export function backupCommands(): Command[] {
  const backup = new Command('backup')
    .description(
      'Write an online backup of the database (clients keep working); default <data dir>/backups/aistack-<timestamp>.db, 0600.',
    )
    .option('-o, --out <file>', 'where to write the backup (never over an existing file)')
    .option('--force', 'replace --out if it exists')
    .option(
      '--include-sessions',
      'keep the sessions (their private entries, tokens, agents and tasks); left out by default',
    )
    .action((o: { out?: string; force?: boolean; includeSessions?: boolean }, cmd: Command) =>
      withClient(cmd, async (client, opts) => {
        const result = await client.call('backup.create', {
          ...(o.out !== undefined && { out: resolve(o.out) }),
          force: Boolean(o.force),
          includeSessions: Boolean(o.includeSessions),
        });
        if (opts.json) printJson(result);
        else {
          const { sessions, entries } = result.leftOut;
          const sessionNote = result.includeSessions
            ? 'sessions included'
            : `left out ${plural(sessions, 'session')} and ${plural(entries, 'private entry', 'private entries')}`;
          process.stdout.write(
            `backup written: ${result.path} (${bytes(result.bytes)}, ${plural(result.pages, 'page')}, ${sessionNote}, ${result.durationMs} ms)\n`,
          );
        }
      }),
    );
  backup
    .command('verify <file>')
    .description(
      "Check a backup: integrity_check, known schema versions, its schema against aistack's (every difference, and what a restore does about it); print row counts per table (exit 1 if it cannot be restored).",
    )
    .action(async (file: string, _o, cmd: Command) => {
      const opts = globals(cmd);
      const path = resolve(file);
      precheck('backup.verify', { file: path });
      const result = await verifyBackup(opts, path);
      if (opts.json) printJson(result);
      else printVerify(path, result);
      if (!result.ok) process.exitCode = EXIT.FAILURE;
    });

  const restore = new Command('restore')
    .argument('<file>', 'the backup file')
    .description(
      "Replace the database with a backup, in the running daemon: checked first, rebuilt from its rows under aistack's own schema; requests wait during the swap; every session ends; the current database is kept as aistack.db.<timestamp>.bak.",
    )
    .option('-y, --yes', 'do not ask for confirmation')
    .action((file: string, o: { yes?: boolean }, cmd: Command) =>
      withClient(cmd, async (client, opts) => {
        const path = resolve(file);
        const check = await client.call('backup.verify', { file: path });
        if (!check.ok) {
          if (opts.json) printJson({ restored: false, verify: check });
          else printVerify(path, check);
          throw new CliError(`not restored: ${path} failed verification`);
        }
        if (!o.yes) {
          const entries = check.tables.memory_entries ?? 0;
          const sessions = check.tables.sessions ?? 0;
          const differences = check.schema?.differences.length ?? 0;
          const ok = await confirm(
            `Replace the current database with ${path} (${plural(entries, 'memory entry', 'memory entries')}, ${plural(sessions, 'session')})? Entries written since that backup will be gone (the current database is kept as a copy), and every session ends.` +
              (differences > 0
                ? ` Its schema differs from aistack's in ${plural(differences, 'place')} (see \`aistack backup verify\`); only its rows are restored.`
                : ''),
          );
          if (!ok) {
            say('not restored');
            process.exitCode = EXIT.FAILURE;
            return;
          }
        }
        const result = await client.call('backup.restore', { file: path });
        if (opts.json) printJson(result);
        else {
          const ended = result.sessionsEnded;
          process.stdout.write(
            `restored ${result.from}: ${plural(result.entries, 'memory entry', 'memory entries')}; the previous database is kept as ${result.keptAs}\n` +
              `sessions ended: ${ended.fromBackup} from the backup (${plural(ended.entries, 'private entry', 'private entries')} deleted), ${ended.live} active until now\n` +
              (result.leftOut.length > 0
                ? `left out (not aistack's schema): ${result.leftOut.join(', ')}\n`
                : ''),
          );
        }
      }),
    );
  return [backup, restore];
}
