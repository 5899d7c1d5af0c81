/**
 * `aistack memory link|unlink|related|history|restore-version|append`: relations between
 * entries, earlier versions, and adding text. Writes use $AISTACK_SESSION when set, else
 * a one-off session with the shared namespace "default" as the default (as `memory
 * store` does); reads see the session's namespace too when one is exported.
 */
import { Command, Option } from 'commander';
import type { ResultOf } from '../../protocol/table.js';
import { withClient } from './context.js';
import { printJson, printTable, truncate } from './output.js';
import { plural } from './human.js';
import { asReader, inSession } from './session-env.js';
import { parseJsonObject } from './session-commands.js';
import { integer } from './option-values.js';

interface EndOptions {
  namespace?: string;
  fromNs?: string;
  toNs?: string;
}

const NS_HELP = 'namespace of both ends (default: your session namespace, or "default")';

/** The two ends of a link from the arguments and namespace options. */
function ends(from: string, to: string, o: EndOptions, oneOff: boolean) {
  const fallback = o.namespace ?? (oneOff ? 'default' : undefined);
  return {
    from: { key: from, namespace: o.fromNs ?? fallback },
    to: { key: to, namespace: o.toNs ?? fallback },
  };
}

const ref = (r: { namespace: string; key: string }) => `${r.namespace}/${r.key}`;

function withEnds(cmd: Command): Command {
  return cmd
    .option('-n, --namespace <ns>', NS_HELP)
    .option('--from-ns <ns>', 'namespace of <from> (overrides -n)')
    .option('--to-ns <ns>', 'namespace of <to> (overrides -n)');
}

function linkCommand(): Command {
  return withEnds(
    new Command('link')
      .argument('<from>', 'key of the entry the link starts at')
      .argument('<to>', 'key of the entry it points to')
      .description(
        'Link two entries with a type (again: replaces the link\'s metadata). An end you cannot see is "not found".',
      )
      .requiredOption('-t, --type <type>', 'what the link means, e.g. depends-on')
      .option('-m, --metadata <json>', 'metadata, a JSON object'),
  ).action(
    (from: string, to: string, o: EndOptions & { type: string; metadata?: string }, cmd: Command) =>
      withClient(cmd, async (client, opts) => {
        const result = await inSession(client, 'memory.link', (session, oneOff) => ({
          ...ends(from, to, o, oneOff),
          type: o.type,
          ...(o.metadata ? { metadata: parseJsonObject(o.metadata, '--metadata') } : {}),
          ...session,
        }));
        if (opts.json) return printJson(result);
        const l = result.link;
        process.stdout.write(
          `${result.created ? 'linked' : 'updated link'} ${ref(l.from)} -[${l.type}]-> ${ref(l.to)}\n`,
        );
      }),
  );
}

function unlinkCommand(): Command {
  return withEnds(
    new Command('unlink')
      .argument('<from>', 'key of the entry the link starts at')
      .argument('<to>', 'key of the entry it points to')
      .description('Remove the link(s) from one entry to another (of one type, or all).')
      .option('-t, --type <type>', 'only links of this type'),
  ).action((from: string, to: string, o: EndOptions & { type?: string }, cmd: Command) =>
    withClient(cmd, async (client, opts) => {
      const result = await inSession(client, 'memory.unlink', (session, oneOff) => ({
        ...ends(from, to, o, oneOff),
        ...(o.type ? { type: o.type } : {}),
        ...session,
      }));
      if (opts.json) return printJson(result);
      process.stdout.write(`removed ${plural(result.removed, 'link')}\n`);
      if (result.removed === 0) process.exitCode = 1;
    }),
  );
}

function relatedCommand(): Command {
  return new Command('related')
    .argument('<key>', 'the entry to start from')
    .description('Entries linked to one, up to --depth links away, and the links among them.')
    .option('-n, --namespace <ns>', 'namespace of <key>')
    .option('-t, --type <type>', 'follow only links of this type')
    .addOption(
      new Option('--direction <dir>', 'follow links out of, into, or both').choices([
        'out',
        'in',
        'both',
      ]),
    )
    .option('-d, --depth <n>', 'links away (1–5)', integer(1, 5), 1)
    .option('-l, --limit <n>', 'most entries shown (1–1000)', integer(1, 1000), 100)
    .action(
      (
        key: string,
        o: { namespace?: string; type?: string; direction?: string; depth: number; limit: number },
        cmd: Command,
      ) =>
        withClient(cmd, async (client, opts) => {
          const result = await asReader((creds) =>
            client.call('memory.related', {
              key,
              namespace: o.namespace,
              type: o.type,
              ...(o.direction ? { direction: o.direction as 'out' | 'in' | 'both' } : {}),
              depth: o.depth,
              limit: o.limit,
              ...creds,
            }),
          );
          if (opts.json) return printJson(result);
          printTable(
            result.nodes.map((n) => ({ ...n, preview: truncate(n.preview ?? '', 60) })),
            [
              { key: 'depth', header: 'depth' },
              { key: 'namespace', header: 'namespace', max: 30 },
              { key: 'key', header: 'key', max: 30 },
              { key: 'preview', header: 'content', max: 60 },
            ],
          );
          for (const e of result.edges)
            process.stdout.write(`${ref(e.from)} -[${e.type}]-> ${ref(e.to)}\n`);
          if (result.truncated) process.stderr.write('aistack: more are linked than shown\n');
        }),
    );
}

function historyCommand(): Command {
  return new Command('history')
    .argument('<key>', 'the entry')
    .argument('[version]', 'print this kept version whole', integer(1))
    .description('Earlier versions of an entry, newest first (or one of them, whole).')
    .option('-n, --namespace <ns>', 'namespace')
    .action((key: string, version: number | undefined, o: { namespace?: string }, cmd: Command) =>
      withClient(cmd, async (client, opts) => {
        const result: ResultOf<'memory.history'> = await asReader((creds) =>
          client.call('memory.history', {
            key,
            namespace: o.namespace,
            ...(version ? { version } : {}),
            ...creds,
          }),
        );
        if (opts.json) return printJson(result);
        if (version) {
          const text = result.versions[0]?.content ?? '';
          process.stdout.write(text.endsWith('\n') ? text : text + '\n');
          return;
        }
        process.stdout.write(
          `${result.namespace}/${result.key}: ${result.current === null ? 'deleted' : `current version ${result.current}`}\n`,
        );
        printTable(
          result.versions.map((v) => ({ ...v, preview: truncate(v.preview ?? '', 60) })),
          [
            { key: 'version', header: 'v' },
            { key: 'change', header: 'then' },
            { key: 'replacedAt', header: 'at' },
            { key: 'size', header: 'chars' },
            { key: 'preview', header: 'content', max: 60 },
          ],
        );
      }),
    );
}

function restoreVersionCommand(): Command {
  return new Command('restore-version')
    .argument('<key>', 'the entry')
    .argument('<version>', 'the kept version to make current', integer(1))
    .description('Make an earlier version current again (written as a new version).')
    .option(
      '-n, --namespace <ns>',
      'namespace (default: your session namespace, or "default" without a session)',
    )
    .action((key: string, version: number, o: { namespace?: string }, cmd: Command) =>
      withClient(cmd, async (client, opts) => {
        const result = await inSession(client, 'memory.restoreVersion', (session, oneOff) => ({
          key,
          version,
          namespace: o.namespace ?? (oneOff ? 'default' : undefined),
          ...session,
        }));
        if (opts.json) return printJson(result);
        const e = result.entry;
        process.stdout.write(
          `restored ${e.namespace}/${e.key} version ${result.restoredFrom} as version ${e.version}\n`,
        );
      }),
    );
}

function appendCommand(readContent: (text: string | undefined) => Promise<string>): Command {
  return new Command('append')
    .argument('<key>', 'the entry (created when missing)')
    .argument('[content]', 'the text to add (else stdin; "-" forces stdin)')
    .description('Add text to the end of an entry in one step, without rewriting it.')
    .option(
      '-n, --namespace <ns>',
      'namespace (default: your session namespace, or "default" without a session)',
    )
    .option('-s, --separator <text>', 'put between the old content and the new (default newline)')
    .action(
      (
        key: string,
        content: string | undefined,
        o: { namespace?: string; separator?: string },
        cmd: Command,
      ) =>
        withClient(cmd, async (client, opts) => {
          const text = await readContent(content);
          const result = await inSession(client, 'memory.append', (session, oneOff) => ({
            key,
            content: text,
            namespace: o.namespace ?? (oneOff ? 'default' : undefined),
            ...(o.separator !== undefined ? { separator: o.separator } : {}),
            ...session,
          }));
          if (opts.json) return printJson(result);
          const e = result.entry;
          process.stdout.write(
            `${result.created ? 'created' : 'appended to'} ${e.namespace}/${e.key} (version ${e.version}, ${e.size} chars)\n`,
          );
        }),
    );
}

/** The commands, for `aistack memory`; `readContent` reads an argument or stdin as `store` does. */
export function memoryGraphCommands(
  readContent: (text: string | undefined) => Promise<string>,
): Command[] {
  return [
    linkCommand(),
    unlinkCommand(),
    relatedCommand(),
    historyCommand(),
    restoreVersionCommand(),
    appendCommand(readContent),
  ];
}
