/**
 * `aistack task create|assign|get|list|complete|cancel|run`. Tasks belong to a session,
 * so every command needs $AISTACK_SESSION. `task run` prints the answer as it arrives
 * (the daemon streams it as `task.output` notifications) and a summary on stderr;
 * interrupting it closes the connection, which cancels the run.
 */
import { Command, Option } from 'commander';
import type { CliClient } from './cli-client.js';
import { PROVIDER_NAMES, type ProviderName } from '../../protocol/provider.js';
import type { TaskView } from '../../protocol/task.js';
import { requireSession } from './agent-commands.js';
import { CliError, withClient, type GlobalOptions } from './context.js';
import { printFields, printJson, printTable } from './output.js';
import type { Creds } from './session-env.js';
import { integer, positive } from './option-values.js';

type Task = TaskView;
const STATUSES = ['pending', 'running', 'completed', 'failed', 'cancelled'] as const;

/** The argument, or stdin when it is "-" (or missing and stdin is not a terminal). */
async function textArg(value: string | undefined, what: string): Promise<string> {
  if (value !== undefined && value !== '-') return value;
  if (process.stdin.isTTY && value !== '-')
    throw new CliError(`no ${what}: give it as an argument or on stdin`);
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function printTask(task: Task): void {
  printFields({
    ...task,
    usage: task.usage ? `${task.usage.inputTokens} in, ${task.usage.outputTokens} out` : null,
  });
}

interface RunOptions {
  stream: boolean;
  provider?: ProviderName;
  runTimeout?: number;
  maxTokens?: number;
}

/** Runs a task, printing the text as it streams in (or the whole task with --json). */
async function runTask(
  client: CliClient,
  opts: GlobalOptions,
  creds: Creds,
  taskId: string,
  o: RunOptions,
): Promise<void> {
  const stream = o.stream && !opts.json;
  let lastChar = '\n';
  const write = (text: string) => {
    if (!text) return;
    process.stdout.write(text);
    lastChar = text.slice(-1);
  };
  // Ends the answer's last line, so the summary (or an error) starts on its own.
  const endLine = () => write(lastChar === '\n' ? '' : '\n');
  const off = client.onNotification((method, params) => {
    const p = params as { taskId?: unknown; delta?: unknown };
    if (method === 'task.output' && p?.taskId === taskId && typeof p.delta === 'string')
      write(p.delta);
  });
  try {
    const { task } = await client.call('task.run', {
      taskId,
      stream,
      ...(o.provider ? { provider: o.provider } : {}),
      ...(o.runTimeout !== undefined ? { timeoutMs: Math.round(o.runTimeout * 1000) } : {}),
      ...(o.maxTokens !== undefined ? { maxTokens: o.maxTokens } : {}),
      ...creds,
    });
    if (opts.json) return printJson({ task });
    if (!stream) write(task.output ?? '');
    endLine();
    const usage = task.usage
      ? `, ${task.usage.inputTokens} in / ${task.usage.outputTokens} out tokens`
      : '';
    process.stderr.write(
      `# task ${task.id} ${task.status}: ${task.provider} (${task.model})${usage}, ${task.durationMs} ms\n`,
    );
  } finally {
    off();
    endLine();
  }
}

const runOptions = (cmd: Command) =>
  cmd
    .option('--no-stream', 'print the answer only when it is complete')
    .addOption(new Option('--provider <name>', 'provider to use').choices(PROVIDER_NAMES))
    .option(
      '--run-timeout <seconds>',
      'give up on the run after this long (at most tasks.timeoutMs)',
      positive,
    )
    .option('--max-tokens <n>', 'cap on output tokens', integer(1));

export function taskCommands(): Command {
  const task = new Command('task').description(
    'Tasks of your session: create, assign to an agent, run through an LLM provider, inspect.',
  );
  runOptions(
    task
      .command('create [input]')
      .description(
        'Create a task (input from the argument or stdin; "-" forces stdin) and print its id.',
      )
      .option('--agent <id>', 'assign it to one of your agents')
      .option('--run', 'run it right away and print the answer'),
  ).action(
    (
      input: string | undefined,
      o: RunOptions & { agent?: string; run?: boolean },
      cmd: Command,
    ) => {
      const creds = requireSession('tasks');
      return withClient(cmd, async (client, opts) => {
        const { task: t } = await client.call('task.create', {
          input: await textArg(input, 'input'),
          ...(o.agent ? { agentId: o.agent } : {}),
          ...(o.provider ? { provider: o.provider } : {}),
          ...creds,
        });
        if (o.run) return runTask(client, opts, creds, t.id, o);
        if (opts.json) return printJson({ task: t });
        process.stdout.write(`${t.id}\n`);
      });
    },
  );
  runOptions(
    task.command('run <id>').description('Run a pending task and print the answer as it arrives.'),
  ).action((id: string, o: RunOptions, cmd: Command) => {
    const creds = requireSession('tasks');
    return withClient(cmd, (client, opts) => runTask(client, opts, creds, id, o));
  });
  task
    .command('assign <id> <agentId>')
    .description('Assign a pending task to one of your agents.')
    .action((id: string, agentId: string, _o, cmd: Command) => {
      const creds = requireSession('tasks');
      return withClient(cmd, async (client, opts) => {
        const result = await client.call('task.assign', { taskId: id, agentId, ...creds });
        if (opts.json) return printJson(result);
        process.stdout.write(`assigned task ${id} to agent ${agentId}\n`);
      });
    });
  task
    .command('get <id>')
    .description('Show a task: status, input, output or error, provider, model, usage.')
    .action((id: string, _o, cmd: Command) => {
      const creds = requireSession('tasks');
      return withClient(cmd, async (client, opts) => {
        const result = await client.call('task.get', { taskId: id, ...creds });
        if (opts.json) return printJson(result);
        printTask(result.task);
      });
    });
  task
    .command('list')
    .description("List your session's tasks, newest first.")
    .addOption(new Option('--status <status>', 'only tasks in this state').choices(STATUSES))
    .option('--agent <id>', "only this agent's tasks")
    .option('--limit <n>', 'at most this many', integer(1), 20)
    .action(
      (o: { status?: (typeof STATUSES)[number]; agent?: string; limit: number }, cmd: Command) => {
        const creds = requireSession('tasks');
        return withClient(cmd, async (client, opts) => {
          const result = await client.call('task.list', {
            ...(o.status ? { status: o.status } : {}),
            ...(o.agent ? { agentId: o.agent } : {}),
            limit: o.limit,
            ...creds,
          });
          if (opts.json) return printJson(result);
          printTable(
            result.tasks.map((t) => ({
              ...t,
              agent: t.agentId?.slice(0, 8) ?? '',
              tokens: t.usage ? t.usage.inputTokens + t.usage.outputTokens : '',
            })),
            [
              { key: 'id', header: 'id', max: 36 },
              { key: 'status', header: 'status' },
              { key: 'agent', header: 'agent' },
              { key: 'provider', header: 'provider' },
              { key: 'tokens', header: 'tokens' },
              { key: 'input', header: 'input', max: 40 },
            ],
          );
          if (result.total > result.count)
            process.stdout.write(`(${result.count} of ${result.total})\n`);
        });
      },
    );
  task
    .command('complete <id> [output]')
    .description('Complete a pending task with your own output (argument or stdin).')
    .action((id: string, output: string | undefined, _o, cmd: Command) => {
      const creds = requireSession('tasks');
      return withClient(cmd, async (client, opts) => {
        const result = await client.call('task.complete', {
          taskId: id,
          output: await textArg(output, 'output'),
          ...creds,
        });
        if (opts.json) return printJson(result);
        process.stdout.write(`completed task ${id}\n`);
      });
    });
  task
    .command('cancel <id>')
    .description('Cancel a pending or running task.')
    .action((id: string, _o, cmd: Command) => {
      const creds = requireSession('tasks');
      return withClient(cmd, async (client, opts) => {
        const result = await client.call('task.cancel', { taskId: id, ...creds });
        if (opts.json) return printJson(result);
        process.stdout.write(`cancelled task ${id}\n`);
      });
    });
  return task;
}
