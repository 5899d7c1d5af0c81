/**
 * The time and batch parts of `aistack memory`: time options for list and search
 * (`--since`, `--created-after`, …, `--sort`, `--order`), expiry options for store
 * (`--ttl`, `--expires-at`), and the commands `memory changes` and `memory delete-many`.
 * Times take ISO-8601 or a duration meaning that long ago (`--since 2h`).
 */
import { Command, Option } from 'commander';
import type { ResultOf } from '../../protocol/table.js';
import { CliError, withClient } from './context.js';
import { printJson, printTable } from './output.js';
import { asReader, inSession } from './session-env.js';
import { duration, integer, pointInTime } from './option-values.js';

export interface TimeOptions {
  since?: string;
  createdAfter?: string;
  createdBefore?: string;
  updatedAfter?: string;
  updatedBefore?: string;
  sort?: 'updated' | 'created' | 'relevance';
  order?: 'desc' | 'asc';
}

/** Adds the time window and sort options to a list or search command. */
export function withTimeOptions(cmd: Command, sorts: string[]): Command {
  const when = (flag: string, what: string) =>
    cmd.option(flag, `${what} (ISO-8601, or a duration ago: 2h, 3d)`, (v) => pointInTime(v));
  when('--since <time>', 'only entries written at or after this time (same as --updated-after)');
  when('--created-after <time>', 'only entries created at or after this time');
  when('--created-before <time>', 'only entries created before this time');
  when('--updated-after <time>', 'only entries written at or after this time');
  when('--updated-before <time>', 'only entries written before this time');
  cmd.addOption(new Option('--sort <by>', 'order by this').choices(sorts));
  cmd.addOption(
    new Option('--order <dir>', 'newest (desc) or oldest (asc) first').choices(['desc', 'asc']),
  );
  return cmd;
}

/** The params of the time options given. */
export function timeParams(o: TimeOptions) {
  const updatedAfter = o.updatedAfter ?? o.since;
  return {
    ...(o.createdAfter ? { createdAfter: o.createdAfter } : {}),
    ...(o.createdBefore ? { createdBefore: o.createdBefore } : {}),
    ...(updatedAfter ? { updatedAfter } : {}),
    ...(o.updatedBefore ? { updatedBefore: o.updatedBefore } : {}),
    ...(o.sort ? { sort: o.sort } : {}),
    ...(o.order ? { order: o.order } : {}),
  };
}

export interface ExpiryOptions {
  ttl?: number;
  expiresAt?: string;
}

/** Adds --ttl and --expires-at to a store command. */
export function withExpiryOptions(cmd: Command): Command {
  return cmd
    .option('--ttl <duration>', 'expire after this long (90s, 15m, 1h, 2d, 1w)', duration)
    .option('--expires-at <time>', 'expire at this time (ISO-8601)', (v) => pointInTime(v));
}

export function expiryParams(o: ExpiryOptions) {
  return {
    ...(o.ttl !== undefined ? { ttlSeconds: o.ttl } : {}),
    ...(o.expiresAt ? { expiresAt: o.expiresAt } : {}),
  };
}

function changesCommand(): Command {
  return new Command('changes')
    .description(
      'What was created, updated, deleted or expired since a time, oldest first (each key once, as it is now).',
    )
    .requiredOption('--since <time>', 'ISO-8601, or a duration ago (1h, 2d)', (v) => pointInTime(v))
    .option('-n, --namespace <ns>', 'only this namespace')
    .option('-l, --limit <n>', 'at most this many (1–10000)', integer(1, 10_000), 100)
    .action((o: { since: string; namespace?: string; limit: number }, cmd: Command) =>
      withClient(cmd, async (client, opts) => {
        const result = await asReader(async (creds) => {
          const changes: ResultOf<'memory.changes'>['changes'] = [];
          let page: ResultOf<'memory.changes'> | undefined;
          do {
            page = await client.call('memory.changes', {
              since: o.since,
              namespace: o.namespace,
              limit: Math.min(1000, o.limit - changes.length),
              ...(page?.cursor ? { cursor: page.cursor } : {}),
              ...creds,
            });
            changes.push(...page.changes);
          } while (page.cursor && changes.length < o.limit);
          return { ...page, changes, count: changes.length };
        });
        if (opts.json) return printJson(result);
        printTable(
          result.changes.map((c) => ({ ...c, kind: c.reason === 'expired' ? 'expired' : c.kind })),
          [
            { key: 'at', header: 'at', format: 'time' },
            { key: 'kind', header: 'change' },
            { key: 'namespace', header: 'namespace', max: 30 },
            { key: 'key', header: 'key', max: 40 },
            { key: 'version', header: 'v' },
          ],
        );
        process.stdout.write(
          `${result.changes.length} change(s)${result.cursor ? ' (more: raise --limit)' : ''}; next time use --since ${result.until}\n`,
        );
      }),
    );
}

function deleteManyCommand(): Command {
  return new Command('delete-many')
    .argument('[keys...]', 'the keys to delete (or use --prefix)')
    .description(
      'Delete several entries at once, all or nothing: the keys given, or those starting with --prefix (500 per call; repeats until none are left unless --dry-run).',
    )
    .option('-p, --prefix <prefix>', 'delete the entries whose key starts with this')
    .option(
      '-n, --namespace <ns>',
      'namespace (default: the project of your session, else your session namespace; "default" without a session)',
    )
    .option('--dry-run', 'show what would be deleted; delete nothing')
    .action(
      (
        keys: string[],
        o: { prefix?: string; namespace?: string; dryRun?: boolean },
        cmd: Command,
      ) =>
        withClient(cmd, async (client, opts) => {
          if (keys.length > 0 === (o.prefix !== undefined)) {
            throw new CliError('give either keys or --prefix');
          }
          const result = await inSession(client, 'memory.deleteMany', (session, oneOff) => {
            const namespace = o.namespace ?? (oneOff ? 'default' : undefined);
            return o.prefix !== undefined
              ? { prefix: o.prefix, namespace, dryRun: o.dryRun, ...session }
              : { items: keys.map((key) => ({ key, namespace })), dryRun: o.dryRun, ...session };
          });
          let total = result;
          // A prefix deletes 500 per call: go on while some are left (inSession's one-off session is gone, so repeat with the same).
          while (o.prefix !== undefined && !o.dryRun && total.remaining > 0 && total.deleted > 0) {
            const more = await inSession(client, 'memory.deleteMany', (session, oneOff) => ({
              prefix: o.prefix!,
              namespace: o.namespace ?? (oneOff ? 'default' : undefined),
              ...session,
            }));
            total = {
              ...more,
              results: [...total.results, ...more.results],
              deleted: total.deleted + more.deleted,
              matched: total.matched + more.matched,
            };
          }
          if (opts.json) return printJson(total);
          for (const r of total.results)
            process.stdout.write(
              `${r.found ? (o.dryRun ? 'would delete' : 'deleted') : 'no entry'} ${r.namespace}/${r.key}\n`,
            );
          process.stdout.write(
            o.dryRun
              ? `${total.matched} would be deleted${total.remaining > total.matched ? ` (${total.remaining} match in all; 500 are shown)` : ''}\n`
              : `${total.deleted} deleted\n`,
          );
        }),
    );
}

export function memoryTimeCommands(): Command[] {
  return [changesCommand(), deleteManyCommand()];
}
