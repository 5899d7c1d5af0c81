/**
 * `task.*`: create, assign, inspect, complete, cancel and run a session's tasks. Every
 * method needs the session's credentials and sees only that session's tasks.
 * `task.run` with `stream: true` sends the answer as it arrives, as `task.output`
 * notifications ({taskId, delta}) to the calling connection only; the reply still
 * carries the whole task. A client that disconnects mid-run cancels the run, so nobody
 * pays for an answer that nobody will read.
 */
import { z } from 'zod';
import { PROVIDER_NAMES } from '../services/providers/provider.js';
import { agentIdParam } from './agent-methods.js';
import { defineMethod, type CallContext } from './method.js';
import { sessionParams } from './memory-schemas.js';

const op = (method: string, ctx: CallContext) => ({ method, connection: ctx.connection.id });

export const TASK_LIMITS = { inputMax: 200_000, outputMax: 1_000_000 } as const;

const taskId = z.string().min(1).max(100).describe('The task id (from task.create).');
const provider = z
  .enum(PROVIDER_NAMES)
  .describe('anthropic, openai or ollama (default: the default provider).');
const taskStatus = z.enum(['pending', 'running', 'completed', 'failed', 'cancelled']);

export const taskMethods = [
  defineMethod({
    name: 'task.create',
    description:
      'Creates a pending task in your session, optionally assigned to one of your active agents. Run it with task.run, or complete it yourself with task.complete.',
    params: z.strictObject({
      input: z
        .string()
        .min(1)
        .max(TASK_LIMITS.inputMax)
        .describe('What to do (at most 200,000 characters).'),
      agentId: agentIdParam.optional(),
      provider: provider.optional(),
      ...sessionParams,
    }),
    access: 'public',
    mcpTool: 'task_create',
    handler: (p, ctx) => ctx.services.tasks.create(p, op('task.create', ctx)),
  }),
  defineMethod({
    name: 'task.assign',
    description: 'Assigns a pending task to one of your active agents.',
    params: z.strictObject({ taskId, agentId: agentIdParam, ...sessionParams }),
    access: 'public',
    handler: (p, ctx) => ctx.services.tasks.assign(p, op('task.assign', ctx)),
  }),
  defineMethod({
    name: 'task.get',
    description:
      'One of your tasks: status, input, output or error, provider, model, token usage and duration.',
    params: z.strictObject({ taskId, ...sessionParams }),
    access: 'public',
    mcpTool: 'task_get',
    handler: (p, ctx) => ctx.services.tasks.get(p, op('task.get', ctx)),
  }),
  defineMethod({
    name: 'task.list',
    description: "Lists your session's tasks, newest first; filter by status or agent.",
    params: z.strictObject({
      status: taskStatus.optional(),
      agentId: agentIdParam.optional(),
      limit: z.number().int().min(1).max(1000).default(20),
      offset: z.number().int().min(0).max(1_000_000).default(0),
      ...sessionParams,
    }),
    access: 'public',
    mcpTool: 'task_list',
    handler: (p, ctx) => ctx.services.tasks.list(p, op('task.list', ctx)),
  }),
  defineMethod({
    name: 'task.complete',
    description:
      'Completes a pending task with output you produced yourself. A running task finishes through its run; cancel it first to take it over.',
    params: z.strictObject({
      taskId,
      output: z
        .string()
        .max(TASK_LIMITS.outputMax)
        .describe('The result (at most 1,000,000 characters).'),
      ...sessionParams,
    }),
    access: 'public',
    handler: (p, ctx) => ctx.services.tasks.complete(p, op('task.complete', ctx)),
  }),
  defineMethod({
    name: 'task.cancel',
    description: 'Cancels a pending or running task; a running provider call is aborted.',
    params: z.strictObject({ taskId, ...sessionParams }),
    access: 'public',
    handler: (p, ctx) => ctx.services.tasks.cancel(p, op('task.cancel', ctx)),
  }),
  defineMethod({
    name: 'task.run',
    description:
      "Runs a pending task: the daemon prompts the provider with the agent's system prompt, the most relevant memory your session may read (as quoted data) and the task input, then stores the output, model, token usage and duration. Fails with PROVIDER_FAILURE, TIMEOUT, or CONFLICT when the task is cancelled meanwhile. With stream: true the text also arrives as task.output notifications.",
    params: z.strictObject({
      taskId,
      stream: z
        .boolean()
        .optional()
        .describe('Send the text as it arrives, as task.output notifications {taskId, delta}.'),
      provider: provider.optional(),
      timeoutMs: z
        .number()
        .int()
        .min(100)
        .max(3_600_000)
        .optional()
        .describe('Give up after this long (at most tasks.timeoutMs, the default).'),
      maxTokens: z.number().int().min(1).max(200_000).optional().describe('Cap on output tokens.'),
      ...sessionParams,
    }),
    access: 'public',
    mcpTool: 'task_run',
    handler: ({ stream, ...p }, ctx) =>
      ctx.services.tasks.run(p, op('task.run', ctx), {
        onText: stream
          ? (delta) => void ctx.connection.notify('task.output', { taskId: p.taskId, delta })
          : undefined,
        onStart: (stop) => {
          if (ctx.connection.closed) stop('disconnected');
          else ctx.connection.onClose(() => stop('disconnected'));
        },
      }),
  }),
];
