/**
 * `aistack memory export` and `aistack memory import`: JSON Lines, one entry per line,
 * every field kept so an export imported into an empty store is the same store. Import
 * validates each line locally (reporting its line number), sends batches that the
 * daemon writes in one transaction each, and shows progress on a terminal. An export to a
 * file goes through core/private-file.ts: written beside the target and renamed into
 * place, 0600, never through a symlink.
 */
import { createReadStream, statSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { once } from 'node:events';
import { Command } from 'commander';
import { beginReplace, checkReplaceable, UnsafeFileError } from '../../core/private-file.js';
import { entrySchema, type Entry } from '../../protocol/memory-schemas.js';
import type { CliClient } from './cli-client.js';
import { CliError, withClient } from './context.js';
import { printJson, printSummarised } from './output.js';
import { progressBar } from './progress-bar.js';
import { plural } from './human.js';

const BATCH = 500;
/** How many rejected lines an import lists before it only counts the rest. */
const SHOWN_ERRORS = 20;

export function exportCommand(): Command {
  return new Command('export')
    .description('Write entries as JSON Lines (every shared namespace, or one) to stdout or --out.')
    .option('-n, --namespace <ns>', 'only this namespace')
    .option(
      '-o, --out <file>',
      'write to this file instead of stdout: a new file, mode 0600, put in place once complete; a symlink or a file others may read is refused',
    )
    .action((o: { namespace?: string; out?: string }, cmd: Command) => {
      // Before anything is read from the daemon: a target that is refused costs nothing.
      if (o.out) fileStep(() => checkReplaceable(o.out!, EXPORT_FILE));
      return withClient(cmd, async (client, opts) => {
        const file = o.out ? fileStep(() => beginReplace(o.out!, EXPORT_FILE)) : undefined;
        const write = file
          ? async (text: string) => file.write(text)
          : async (text: string) => {
              if (!process.stdout.write(text)) await once(process.stdout, 'drain');
            };
        let cursor: number | undefined;
        let count = 0;
        const omitted: { namespace: string; key: string; size: number }[] = [];
        try {
          // Pages cut by the daemon's reply budget simply continue from their cursor.
          do {
            const page = await client.call('memory.export', {
              namespace: o.namespace,
              cursor,
              limit: 1000,
            });
            await write(page.entries.map((entry) => JSON.stringify(entry) + '\n').join(''));
            count += page.entries.length;
            omitted.push(...page.omitted);
            cursor = page.cursor ?? undefined;
          } while (cursor !== undefined);
          if (omitted.length > 0) throw omittedError(omitted, count, Boolean(file));
          if (file) fileStep(() => file.commit());
        } finally {
          file?.abort(); // a failed export leaves the target as it was, and no temp file
        }
        if (o.out) {
          if (opts.json) printJson({ exported: count, file: o.out });
          else process.stderr.write(`exported ${plural(count, 'entry')} to ${o.out}\n`);
        }
      });
    });
}

const EXPORT_FILE = { what: 'export file', mode: 0o600 };

/** An export that could not include every entry fails, naming what is missing. */
function omittedError(
  omitted: { namespace: string; key: string; size: number }[],
  exported: number,
  toFile: boolean,
): CliError {
  const names = omitted
    .slice(0, 10)
    .map((e) => `${e.namespace}/${JSON.stringify(e.key)} (${e.size} chars)`)
    .join(', ');
  const more = omitted.length > 10 ? ` and ${omitted.length - 10} more` : '';
  return new CliError(
    `export incomplete: ${plural(omitted.length, 'entry')} ${omitted.length === 1 ? 'is' : 'are'} larger than the daemon's reply budget (daemon.replyBudgetBytes) and were left out: ${names}${more}. ` +
      (toFile
        ? 'The export file was not written; raise the budget and export again.'
        : `${plural(exported, 'other entry', 'other entries')} ${exported === 1 ? 'was' : 'were'} written; raise the budget and export again.`),
  );
}

/** Runs a file step, turning a refusal (or a file system error) into a one-line CLI failure. */
function fileStep<T>(step: () => T): T {
  try {
    return step();
  } catch (err) {
    if (err instanceof UnsafeFileError) throw new CliError(err.message);
    const e = err as NodeJS.ErrnoException;
    if (e.code) throw new CliError(`cannot write the export file: ${e.message}`);
    throw err;
  }
}

async function sendBatch(
  client: CliClient,
  batch: { entry: Entry; line: number }[],
  rejected: { line: number; reason: string }[],
) {
  const result = await client.call('memory.import', { entries: batch.map((b) => b.entry) });
  for (const r of result.rejected) rejected.push({ line: batch[r.index]!.line, reason: r.reason });
  return result;
}

export function importCommand(): Command {
  return new Command('import')
    .description(
      'Read JSON Lines from an export; bad lines are reported by number and skipped, the rest goes in.',
    )
    .argument('<file>', 'the JSONL file ("-" for stdin)')
    .option(
      '-v, --verbose',
      `print every rejected line (default: the first ${SHOWN_ERRORS} and a count)`,
    )
    .action((file: string, o: { verbose?: boolean }, cmd: Command) =>
      withClient(cmd, async (client, opts) => {
        let size = 0;
        if (file !== '-') {
          try {
            size = statSync(file).size;
          } catch (err) {
            throw new CliError(`cannot read ${file}: ${(err as Error).message}`);
          }
        }
        const input = file === '-' ? process.stdin : createReadStream(file);
        let bytes = 0;
        input.on('data', (chunk: Buffer | string) => (bytes += chunk.length));
        const bar = progressBar(Boolean(process.stderr.isTTY) && !opts.json && size > 0);
        const rejected: { line: number; reason: string }[] = [];
        let inserted = 0;
        let updated = 0;
        let batch: { entry: Entry; line: number }[] = [];
        let lineNo = 0;
        const flush = async () => {
          if (batch.length === 0) return;
          const r = await sendBatch(client, batch, rejected);
          inserted += r.inserted;
          updated += r.updated;
          batch = [];
          bar.update(bytes, size, `${inserted + updated} imported`);
        };
        for await (const line of createInterface({ input, crlfDelay: Infinity })) {
          lineNo++;
          if (line.trim() === '') continue;
          let parsed;
          try {
            parsed = entrySchema.safeParse(JSON.parse(line));
          } catch {
            rejected.push({ line: lineNo, reason: 'not valid JSON' });
            continue;
          }
          if (!parsed.success) {
            const i = parsed.error.issues[0]!;
            rejected.push({ line: lineNo, reason: `${i.path.join('.') || 'entry'}: ${i.message}` });
            continue;
          }
          batch.push({ entry: parsed.data, line: lineNo });
          if (batch.length >= BATCH) await flush();
        }
        await flush();
        bar.done();
        rejected.sort((a, b) => a.line - b.line);
        if (opts.json) return printJson({ inserted, updated, rejected });
        printSummarised(
          rejected.map((r) => `line ${r.line}: rejected: ${r.reason}`),
          o.verbose ? Infinity : SHOWN_ERRORS,
        );
        process.stdout.write(
          `imported: ${inserted} inserted, ${updated} updated, ${rejected.length} rejected\n`,
        );
        if (rejected.length > 0) process.exitCode = 1;
      }),
    );
}
