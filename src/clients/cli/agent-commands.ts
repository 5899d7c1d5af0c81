/**
 * `aistack agent types|spawn|list|status|stop`. Agents belong to a session, so every
 * command but `types` needs $AISTACK_SESSION (from `aistack session start`); there is
 * no one-off session here, since its agents would stop the moment the command ends.
 */
import { Command } from 'commander';
import { CliError, withClient } from './context.js';
import { printFields, printJson, printTable } from './output.js';
import { sessionFromEnv, type Creds } from './session-env.js';
import { plural } from './human.js';

/** The exported session, or an error that says how to get one. */
export function requireSession(what: string): Creds {
  const creds = sessionFromEnv();
  if (!creds) {
    throw new CliError(
      `${what} belong to a session, and AISTACK_SESSION is not set: run \`eval "$(aistack session start)"\` first`,
    );
  }
  return creds;
}

export function agentCommands(): Command {
  const agent = new Command('agent').description(
    'Agents of your session: spawn one of a type, list, inspect and stop them.',
  );
  agent
    .command('types')
    .description('List the agent types with their capabilities (--json adds the system prompts).')
    .action((_o, cmd: Command) =>
      withClient(cmd, async (client, opts) => {
        const result = await client.call('agent.types');
        if (opts.json) return printJson(result);
        printTable(
          result.types.map((t) => ({ ...t, capabilities: t.capabilities.join(', ') })),
          [
            { key: 'name', header: 'type' },
            { key: 'source', header: 'from' },
            { key: 'description', header: 'description', max: 50 },
            { key: 'capabilities', header: 'capabilities', max: 60 },
          ],
        );
      }),
    );
  agent
    .command('spawn <type>')
    .description('Spawn an agent of a type into your session and print its id.')
    .option('--name <name>', 'a name for it')
    .action((type: string, o: { name?: string }, cmd: Command) => {
      const creds = requireSession('agents');
      return withClient(cmd, async (client, opts) => {
        const result = await client.call('agent.spawn', {
          type,
          ...(o.name ? { name: o.name } : {}),
          ...creds,
        });
        if (opts.json) return printJson(result);
        process.stdout.write(`${result.agent.id}\n`);
        process.stderr.write(`# spawned ${result.agent.type} agent "${result.agent.name}"\n`);
      });
    });
  agent
    .command('list')
    .description("List your session's agents.")
    .option('--all', 'include stopped agents')
    .action((o: { all?: boolean }, cmd: Command) => {
      const creds = requireSession('agents');
      return withClient(cmd, async (client, opts) => {
        const result = await client.call('agent.list', {
          includeStopped: Boolean(o.all),
          ...creds,
        });
        if (opts.json) return printJson(result);
        printTable(
          result.agents.map((a) => ({ ...a })),
          [
            { key: 'id', header: 'id', max: 36 },
            { key: 'type', header: 'type' },
            { key: 'name', header: 'name', max: 30 },
            { key: 'status', header: 'status' },
            { key: 'createdAt', header: 'created', format: 'time' },
          ],
        );
      });
    });
  agent
    .command('status <id>')
    .description('Show one of your agents and its task counts.')
    .action((id: string, _o, cmd: Command) => {
      const creds = requireSession('agents');
      return withClient(cmd, async (client, opts) => {
        const result = await client.call('agent.status', { agentId: id, ...creds });
        if (opts.json) return printJson(result);
        printFields({
          ...result.agent,
          capabilities: result.agent.capabilities.join(', '),
          tasks: result.tasks,
        });
      });
    });
  agent
    .command('stop <id>')
    .description('Stop one of your agents; its pending and running tasks are cancelled.')
    .action((id: string, _o, cmd: Command) => {
      const creds = requireSession('agents');
      return withClient(cmd, async (client, opts) => {
        const result = await client.call('agent.stop', { agentId: id, ...creds });
        if (opts.json) return printJson(result);
        process.stdout.write(
          result.stopped
            ? `stopped agent ${id}: ${plural(result.cancelledTasks, 'task')} cancelled\n`
            : `agent ${id} was already stopped\n`,
        );
      });
    });
  return agent;
}
