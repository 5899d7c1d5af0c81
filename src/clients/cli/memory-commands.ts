/**
 * `aistack memory store|get|search|list|delete|namespaces|export|import|reindex|embeddings`
 * (and link|unlink|related|history|restore-version|append, in memory-graph-commands.ts). Reads use
 * $AISTACK_SESSION when set (to see its namespace too); writes without it run in a
 * one-off session and default to the shared namespace "default", so the entry stays.
 */
import { readFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import type { ParamsOf, ResultOf } from '../../protocol/table.js';
import { CliError, withClient } from './context.js';
import { printFields, printJson, printTable, truncate } from './output.js';
import { asReader, inSession } from './session-env.js';
import { parseJsonObject } from './session-commands.js';
import { exportCommand, importCommand } from './memory-transfer.js';
import { embeddingsCommand, reindexCommand } from './memory-embedding-commands.js';
import { memoryGraphCommands } from './memory-graph-commands.js';
import { memoryWatchCommand } from './memory-watch-command.js';
import {
  expiryParams,
  memoryTimeCommands,
  timeParams,
  withExpiryOptions,
  withTimeOptions,
  type ExpiryOptions,
  type TimeOptions,
} from './memory-time-commands.js';
import { integer } from './option-values.js';
import { plural } from './human.js';

async function readContent(content: string | undefined, file: string | undefined): Promise<string> {
  if (file) return readFileSync(file, 'utf8');
  if (content !== undefined && content !== '-') return content;
  if (process.stdin.isTTY && content !== '-') {
    throw new CliError('no content: give it as an argument, with --file, or on stdin');
  }
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

const list = (v: string) =>
  v
    .split(',')
    .map((t) => t.trim())
    .filter(Boolean);

export function memoryCommands(): Command {
  const memory = new Command('memory').description('Store, search and manage memory entries.');
  withExpiryOptions(memory.command('store <key> [content]'))
    .description(
      'Store text under a key (content from the argument, --file, or stdin; "-" forces stdin).',
    )
    .option(
      '-n, --namespace <ns>',
      'namespace (default: the project of your session, else your session namespace; "default" without a session)',
    )
    .option('-f, --file <path>', 'read the content from a file')
    .option('-t, --tags <tags>', 'comma-separated tags', list)
    .option('-m, --metadata <json>', 'metadata, a JSON object')
    .option('--agent <id>', 'the agent this entry belongs to')
    .action(
      (
        key: string,
        content: string | undefined,
        o: ExpiryOptions & {
          namespace?: string;
          file?: string;
          tags?: string[];
          metadata?: string;
          agent?: string;
        },
        cmd: Command,
      ) =>
        withClient(cmd, async (client, opts) => {
          const text = await readContent(content, o.file);
          const result = await inSession(client, 'memory.store', (session, oneOff) => ({
            key,
            content: text,
            namespace: o.namespace ?? (oneOff ? 'default' : undefined),
            ...(o.tags ? { tags: o.tags } : {}),
            ...(o.metadata ? { metadata: parseJsonObject(o.metadata, '--metadata') } : {}),
            ...(o.agent ? { agentId: o.agent } : {}),
            ...expiryParams(o),
            ...session,
          }));
          if (opts.json) return printJson(result);
          const e = result.entry;
          process.stdout.write(
            `${result.created ? 'stored' : 'updated'} ${e.namespace}/${e.key} (version ${e.version}, ${plural(e.content.length, 'char')}${e.expiresAt ? `, expires ${e.expiresAt}` : ''})\n`,
          );
        }),
    );
  memory
    .command('get <key>')
    .description('Print one entry (content only, unless --json).')
    .option('-n, --namespace <ns>', 'namespace')
    .option('--full', 'print every field, not just the content')
    .action((key: string, o: { namespace?: string; full?: boolean }, cmd: Command) =>
      withClient(cmd, async (client, opts) => {
        const { entry } = await asReader((creds) =>
          client.call('memory.get', {
            key,
            namespace: o.namespace,
            ...creds,
          }),
        );
        if (opts.json) return printJson({ entry });
        if (o.full) return printFields(entry as unknown as Record<string, unknown>);
        process.stdout.write(entry.content.endsWith('\n') ? entry.content : entry.content + '\n');
      }),
    );
  withTimeOptions(memory.command('search <query...>'), ['relevance', 'updated', 'created'])
    .description(
      'Search: full-text (plain words, all must match unless --any, last word as a prefix), by meaning (--mode vector), or both (hybrid, the default when embeddings are on).',
    )
    .option('-n, --namespace <ns>', 'only this namespace')
    .option('-t, --tags <tags>', 'only entries with all these tags', list)
    .option('-l, --limit <n>', 'how many results (1–100)', integer(1, 100), 10)
    .option('--any', 'match any word instead of all')
    .addOption(
      new Option('-m, --mode <mode>', 'search mode (default: hybrid with embeddings on)').choices([
        'fts',
        'vector',
        'hybrid',
      ]),
    )
    .action(
      (
        words: string[],
        o: TimeOptions & {
          namespace?: string;
          tags?: string[];
          limit: number;
          any?: boolean;
          mode?: string;
        },
        cmd: Command,
      ) =>
        withClient(cmd, async (client, opts) => {
          // A page the reply budget cut short continues from its cursor until `limit`.
          const want = o.limit;
          const result = await asReader(async (creds) => {
            let page: ResultOf<'memory.search'> | undefined;
            const results: ResultOf<'memory.search'>['results'] = [];
            do {
              page = await client.call('memory.search', {
                query: words.join(' '),
                namespace: o.namespace,
                tags: o.tags,
                limit: want - results.length,
                match: o.any ? 'any' : 'all',
                ...(o.mode ? { mode: o.mode as 'fts' | 'vector' | 'hybrid' } : {}),
                ...timeParams(o),
                ...(page?.cursor ? { cursor: page.cursor } : {}),
                ...creds,
              });
              results.push(...page.results);
            } while (
              page.cursor &&
              page.truncated &&
              page.results.length > 0 &&
              results.length < want
            );
            return { ...page, results, count: results.length, truncated: false };
          });
          if (opts.json) return printJson(result);
          if (result.degraded) process.stderr.write(`aistack: ${result.degraded}\n`);
          printTable(
            result.results.map((r) => ({
              score: r.score.toFixed(r.matchType === 'fts' && result.mode === 'fts' ? 2 : 4),
              match: r.matchType,
              namespace: r.entry.namespace,
              key: r.entry.key,
              snippet: r.snippet,
            })),
            [
              { key: 'score', header: 'score' },
              { key: 'match', header: 'match' },
              { key: 'namespace', header: 'namespace', max: 30 },
              { key: 'key', header: 'key', max: 30 },
              { key: 'snippet', header: 'text', max: 80 },
            ],
          );
        }),
    );
  withTimeOptions(memory.command('list'), ['updated', 'created'])
    .description('List entries, newest first (or as --sort and --order say).')
    .option('-n, --namespace <ns>', 'only this namespace')
    .option('-t, --tags <tags>', 'only entries with all these tags', list)
    .option('-l, --limit <n>', 'how many (1–1000)', integer(1, 1000), 20)
    .option('-o, --offset <n>', 'skip this many', integer(0), 0)
    .action(
      (
        o: TimeOptions & { namespace?: string; tags?: string[]; limit: number; offset: number },
        cmd: Command,
      ) =>
        withClient(cmd, async (client, opts) => {
          // A page the reply budget cut short continues from its cursor until `limit`.
          const want = o.limit;
          const result = await asReader(async (creds) => {
            let page: ResultOf<'memory.list'> | undefined;
            const entries: ResultOf<'memory.list'>['entries'] = [];
            do {
              page = await client.call('memory.list', {
                namespace: o.namespace,
                tags: o.tags,
                limit: want - entries.length,
                // --sort's choices for list leave relevance out.
                ...(timeParams(o) as Pick<ParamsOf<'memory.list'>, 'sort'>),
                ...(page?.cursor ? { cursor: page.cursor } : { offset: o.offset }),
                ...creds,
              });
              entries.push(...page.entries);
            } while (
              page.cursor &&
              page.truncated &&
              page.entries.length > 0 &&
              entries.length < want
            );
            return { ...page, entries, truncated: false };
          });
          if (opts.json) return printJson(result);
          printTable(
            result.entries.map((e) => ({
              ...e,
              preview: truncate(e.preview ?? e.content ?? '', 60),
              tags: e.tags.join(','),
            })),
            [
              { key: 'namespace', header: 'namespace', max: 30 },
              { key: 'key', header: 'key', max: 30 },
              { key: 'version', header: 'v' },
              { key: 'updatedAt', header: 'updated', format: 'time' },
              { key: 'tags', header: 'tags', max: 20 },
              { key: 'preview', header: 'content', max: 60 },
            ],
          );
          process.stdout.write(`${result.entries.length} of ${result.total}\n`);
        }),
    );
  memory
    .command('delete <key>')
    .description('Delete one entry.')
    .option(
      '-n, --namespace <ns>',
      'namespace (default: the project of your session, else your session namespace; "default" without a session)',
    )
    .action((key: string, o: { namespace?: string }, cmd: Command) =>
      withClient(cmd, async (client, opts) => {
        const result = await inSession(client, 'memory.delete', (session, oneOff) => ({
          key,
          namespace: o.namespace ?? (oneOff ? 'default' : undefined),
          ...session,
        }));
        if (opts.json) return printJson(result);
        process.stdout.write(
          result.deleted
            ? `deleted ${result.namespace}/${key}\n`
            : `no entry ${result.namespace}/${key}\n`,
        );
        if (!result.deleted) process.exitCode = 1;
      }),
    );
  memory
    .command('namespaces')
    .description('Namespaces you can see, with entry counts.')
    .action((_o, cmd: Command) =>
      withClient(cmd, async (client, opts) => {
        const result = await asReader((creds) => client.call('memory.namespaces', creds));
        if (opts.json) return printJson(result);
        printTable(result.namespaces, [
          { key: 'namespace', header: 'namespace', max: 60 },
          { key: 'count', header: 'entries' },
        ]);
      }),
    );
  memory.addCommand(exportCommand());
  memory.addCommand(importCommand());
  memory.addCommand(reindexCommand());
  memory.addCommand(embeddingsCommand());
  for (const c of memoryGraphCommands((text) => readContent(text, undefined))) memory.addCommand(c);
  memory.addCommand(memoryWatchCommand());
  for (const c of memoryTimeCommands()) memory.addCommand(c);
  return memory;
}
