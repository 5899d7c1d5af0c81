/**
 * `aistack audit verify` and `aistack audit tail`: check the tamper-evident audit log and
 * read it, through the daemon (which owns the files and the saved chain head).
 */
import { Command } from 'commander';
import type { AuditRecord } from '../../protocol/audit.js';
import { CliError, EXIT, withClient } from './context.js';
import { paintVerdict, stdoutPaint } from './colour.js';
import { printJson, printTable, tableWriter, type Column } from './output.js';
import { plural } from './human.js';
import { integer, pointInTime } from './option-values.js';

interface TailOptions {
  lines: number;
  type?: string;
  session?: string;
  since?: string;
  until?: string;
  before?: number;
  follow?: boolean;
}

/** The audit.tail filters the options name (what every page of a follow asks again). */
const filterOf = (o: TailOptions) => ({
  ...(o.type !== undefined && { type: o.type }),
  ...(o.session !== undefined && { sessionId: o.session }),
  ...(o.since !== undefined && { since: o.since }),
  ...(o.until !== undefined && { until: o.until }),
});

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
    .option('-n, --lines <n>', 'how many records (1–1000)', integer(1, 1000), 50)
    .option(
      '-t, --type <prefix>',
      'only events starting with this, e.g. "session." or "request.refused"',
    )
    .option('-s, --session <id>', 'only records about this session')
    .option(
      '--since <time>',
      'only records written at or after this (ISO-8601, or ago: 2h, 3d)',
      (v) => pointInTime(v),
    )
    .option('--until <time>', 'only records written before this (ISO-8601, or ago: 2h, 3d)', (v) =>
      pointInTime(v),
    )
    .option(
      '--before <seq>',
      'only records before this seq: page back by passing the first seq shown',
      integer(1),
    )
    .option(
      '-f, --follow',
      'keep printing new records (checked every second) until interrupted; with --json, one JSON record per line',
    )
    .addHelpText(
      'after',
      '\nExamples:\n  aistack audit tail -t access. --since 1d      access denials of the last day\n  aistack audit tail -s <session id> -n 200     what one session did\n  aistack audit tail --before 1200              the page before seq 1200\n',
    )
    .action((o: TailOptions, cmd: Command) => {
      if (o.follow && (o.before !== undefined || o.until !== undefined))
        throw new CliError(
          '--follow prints what comes next: not with --before or --until',
          EXIT.USAGE,
        );
      return withClient(cmd, async (client, opts) => {
        const filter = filterOf(o);
        const before = o.before !== undefined ? { beforeSeq: o.before } : {};
        const { records } = await client.call('audit.tail', {
          limit: o.lines,
          ...filter,
          ...before,
        });
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
      });
    });
  return audit;
}
