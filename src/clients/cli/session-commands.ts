/**
 * `aistack session start|end|status|list`.
 */
import { Command } from 'commander';
import { CliError, withClient } from './context.js';
import { printFields, printJson, printTable } from './output.js';
import { sessionFromEnv } from './session-env.js';
import { positive } from './option-values.js';
import { plural } from './human.js';

function parseJsonObject(
  text: string | undefined,
  what: string,
): Record<string, unknown> | undefined {
  if (text === undefined) return undefined;
  try {
    const value: unknown = JSON.parse(text);
    if (value && typeof value === 'object' && !Array.isArray(value))
      return value as Record<string, unknown>;
  } catch {
    /* fall through */
  }
  throw new CliError(`${what} must be a JSON object, e.g. '{"project":"x"}'`);
}

export { parseJsonObject };

export function sessionCommands(): Command {
  const session = new Command('session').description(
    'Sessions isolate a client: each owns the namespace session:<id>, deleted when the session ends.',
  );
  session
    .command('start')
    .description(
      'Start a session and print `export AISTACK_SESSION=<id>:<token>` for your shell (eval it).',
    )
    .option('--idle <minutes>', 'end the session after this many idle minutes', positive)
    .option('--meta <json>', 'metadata to attach, a JSON object')
    .option(
      '--project <name>',
      'bind the session to this project: writes without a namespace persist in project:<slug>',
    )
    .action((o: { idle?: number; meta?: string; project?: string }, cmd: Command) =>
      withClient(cmd, async (client, opts) => {
        const { session: s } = await client.call('session.start', {
          metadata: { client: 'aistack-cli', ...parseJsonObject(o.meta, '--meta') },
          ...(o.idle !== undefined ? { idleTimeoutMinutes: o.idle } : {}),
          ...(o.project !== undefined ? { project: { name: o.project } } : {}),
        });
        if (opts.json)
          return printJson({ session: s, export: `AISTACK_SESSION=${s.id}:${s.token}` });
        process.stdout.write(`export AISTACK_SESSION=${s.id}:${s.token}\n`);
        process.stderr.write(
          `# session ${s.id} started; its namespace is ${s.namespace}${s.project ? `, bound to project ${s.project.namespace}` : ''}. Keep the token secret.\n`,
        );
      }),
    );
  session
    .command('end [id]')
    .description(
      'End your session ($AISTACK_SESSION), or with --force any session by id. Deletes its namespace.',
    )
    .option('--force', 'end a session without its token (local user only)')
    .action((id: string | undefined, o: { force?: boolean }, cmd: Command) =>
      withClient(cmd, async (client, opts) => {
        const creds = sessionFromEnv();
        let result;
        if (o.force) {
          const target = id ?? creds?.sessionId;
          if (!target)
            throw new CliError('which session? give its id (see `aistack session list`)');
          result = await client.call('session.end', { sessionId: target, force: true });
        } else {
          if (!creds)
            throw new CliError('no session: set AISTACK_SESSION, or pass an id with --force');
          if (id && id !== creds.sessionId)
            throw new CliError(`${id} is not your session; use --force to end it`);
          result = await client.call('session.end', creds);
        }
        if (opts.json) return printJson(result);
        const summary = `ended session ${result.sessionId}: ${plural(result.deletedEntries, 'entry', 'entries')} deleted, ${plural(result.stoppedAgents, 'agent')} stopped`;
        if (creds?.sessionId === result.sessionId) {
          // Your own session: stdout is the line to eval (as for `session start`).
          process.stdout.write('unset AISTACK_SESSION\n');
          process.stderr.write(`# ${summary}\n`);
        } else process.stdout.write(`${summary}\n`);
      }),
    );
  session
    .command('status')
    .description(
      'Show your session ($AISTACK_SESSION): namespace, activity, idle timeout, entries.',
    )
    .action((_o, cmd: Command) =>
      withClient(cmd, async (client, opts) => {
        const creds = sessionFromEnv();
        if (!creds) throw new CliError('no session: run `eval "$(aistack session start)"` first');
        const { session: s } = await client.call('session.status', creds);
        if (opts.json) printJson({ session: s });
        else printFields(s as unknown as Record<string, unknown>);
      }),
    );
  session
    .command('list')
    .description('List sessions with last activity and entry counts (never tokens).')
    .option('--all', 'include ended sessions')
    .action((o: { all?: boolean }, cmd: Command) =>
      withClient(cmd, async (client, opts) => {
        const { sessions, total } = await client.call('session.list', {
          includeEnded: Boolean(o.all),
          limit: 1000,
        });
        if (opts.json) return printJson({ sessions, total });
        printTable(
          sessions.map((s) => ({
            ...s,
            client: s.metadata.client ?? '',
            state: s.endedAt ? `ended (${s.endReason})` : 'active',
          })),
          [
            { key: 'id', header: 'id', max: 36 },
            { key: 'client', header: 'client', max: 20 },
            { key: 'state', header: 'state' },
            { key: 'entries', header: 'entries' },
            { key: 'lastActivityAt', header: 'last activity', format: 'time' },
            { key: 'idleTimeoutMinutes', header: 'idle min' },
          ],
        );
        if (total > sessions.length) process.stdout.write(`(${sessions.length} of ${total})\n`);
      }),
    );
  return session;
}
