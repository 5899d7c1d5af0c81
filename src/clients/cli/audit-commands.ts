/**
 * `aistack audit verify` and `aistack audit tail`: check the tamper-evident audit log and
 * read it, through the daemon (which owns the files and the saved chain head).
 */
import { Command, InvalidArgumentError } from 'commander';
import type { AuditRecord } from '../../protocol/audit.js';
import { EXIT, withClient } from './context.js';
import { paintVerdict, stdoutPaint } from './colour.js';
import { printJson, printTable, tableWriter, type Column } from './output.js';
import { plural } from './human.js';

function count(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 1000)
    throw new InvalidArgumentError('expected a whole number from 1 to 1000');
  return n;
}

const COLUMNS: Column<ReturnType<typeof row>>[] = [
  { key: 'seq', header: 'seq', min: 5 },
  { key: 'time', header: 'time', format: 'time', min: 12 },
  { key: 'event', header: 'event', max: 40, min: 24 },
  { key: 'details', header: 'details', max: 100 },
];

const row = (r: AuditRecord) => ({ seq: r.seq, time: r.time, event: r.event, details: r.details });

/**
 * How `--follow` prints: the same table as without it, its header printed once and new
 * records aligned under it (cells wider than the first rows are cut); with --json, one
 * JSON record per line.
 */
function follower(json: boolean): (records: AuditRecord[]) => void {
  if (json)
    return (records) => {
      for (const r of records) process.stdout.write(JSON.stringify(r) + '\n');
    };
  const write = tableWriter(COLUMNS);
  return (records) => write(records.map(row));
}

export function auditCommands(): Command {
  const audit = new Command('audit').description(
    'Check and read the tamper-evident audit log (security events, hash-chained).',
  );
  audit
    .command('verify')
    .description(
      'Check the hash chain across all retained audit files and what pruning removed; exit 1 naming the first broken record or the young records lost.',
    )
    .action((_o, cmd: Command) =>
      withClient(cmd, async (client, opts) => {
        const result = await client.call('audit.verify');
        if (opts.json) printJson(result);
        else if (result.ok) {
          const range = result.records > 0 ? ` (seq ${result.firstSeq}–${result.lastSeq})` : '';
          const files = plural(result.files.length, 'file');
          const head = result.headChecked
            ? ''
            : '; no saved chain head, so the end was not checked';
          const ok = paintVerdict(stdoutPaint(), 'OK');
          process.stdout.write(
            `${ok}: ${plural(result.records, 'record')}${range} in ${files}${head}\n`,
          );
          for (const note of result.notes) process.stdout.write(`note: ${note}\n`);
        } else if (result.lost) {
          process.stdout.write(
            `${paintVerdict(stdoutPaint(), 'EVIDENCE LOST')}: ${result.reason}\n`,
          );
        } else {
          process.stdout.write(
            `${paintVerdict(stdoutPaint(), 'BROKEN')} at ${result.file ?? '(no file)'}:${result.line ?? '?'} (seq ${result.seq ?? '?'}): ${result.reason}\n`,
          );
        }
        if (!result.ok) process.exitCode = EXIT.FAILURE;
      }),
    );
  audit
    .command('tail')
    .description('Show the newest audit records, oldest first.')
    .option('-n, --lines <n>', 'how many records (1–1000)', count, 50)
    .option(
      '-t, --type <prefix>',
      'only events starting with this, e.g. "session." or "request.refused"',
    )
    .option(
      '-f, --follow',
      'keep printing new records (checked every second) until interrupted; with --json, one JSON record per line',
    )
    .action((o: { lines: number; type?: string; follow?: boolean }, cmd: Command) =>
      withClient(cmd, async (client, opts) => {
        const filter = o.type !== undefined ? { type: o.type } : {};
        const { records } = await client.call('audit.tail', { limit: o.lines, ...filter });
        if (!o.follow) {
          if (opts.json) printJson({ records });
          else printTable(records.map(row), COLUMNS);
          return;
        }
        const print = follower(Boolean(opts.json));
        print(records);
        let afterSeq = records.at(-1)?.seq ?? 0;
        for (;;) {
          await new Promise((r) => setTimeout(r, 1000));
          const next = await client.call('audit.tail', { limit: 1000, afterSeq, ...filter });
          if (next.records.length > 0) print(next.records);
          afterSeq = next.records.at(-1)?.seq ?? afterSeq;
        }
      }),
    );
  return audit;
}
