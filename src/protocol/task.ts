/**
 * `task.*` on the wire: create, assign, inspect, complete, cancel and run a session's
 * tasks. Every method needs the session's credentials and sees only that session's
 * tasks. `task.run` with `stream: true` sends the answer as it arrives, as `task.output`
 * notifications ({taskId, delta}) to the calling connection only; the reply still
 * carries the whole task. A client that disconnects mid-run cancels the run, so nobody
 * pays for an answer that nobody will read.
 */
import { z } from 'zod';
import { agentIdParam } from './agent.js';
import { defineMethod } from './method.js';
import { sessionParams } from './memory-schemas.js';
import { PROVIDER_NAMES } from './provider.js';

const TASK_LIMITS = { inputMax: 200_000, outputMax: 1_000_000 } as const;
/** How much of each text task.list shows, in characters: the whole text is task.get's. */
export const TASK_PREVIEW_CHARS = { text: 200, error: 500 } as const;
const TASK_STATUSES = ['pending', 'running', 'completed', 'failed', 'cancelled'] as const;

const taskId = z.string().min(1).max(100).describe('The task id (from task.create).');
const provider = z
  .enum(PROVIDER_NAMES)
  .describe('anthropic, openai or ollama (default: the default provider).');
const taskStatus = z.enum(TASK_STATUSES);
const iso = z.iso.datetime();

const taskViewSchema = z.strictObject({
  id: z.string(),
  sessionId: z.string(),
  agentId: z.string().nullable().describe('The agent it is assigned to, if any.'),
  input: z.string(),
  status: taskStatus,
  output: z.string().nullable().describe('The answer, once completed.'),
  error: z.string().nullable().describe('Why it failed or was cancelled.'),
  provider: z
    .enum(PROVIDER_NAMES)
    .nullable()
    .describe('The provider asked for, or the one that ran it.'),
  model: z.string().nullable().describe('The model that answered (set by a run).'),
  usage: z
    .strictObject({ inputTokens: z.number().int().min(0), outputTokens: z.number().int().min(0) })
    .nullable()
    .describe('Tokens the run used.'),
  durationMs: z.number().int().min(0).nullable().describe('How long the run took.'),
  createdAt: iso,
  updatedAt: iso,
  startedAt: iso.nullable(),
  completedAt: iso.nullable(),
});

export type TaskView = z.output<typeof taskViewSchema>;

const size = z.number().int().min(0);
/** A task as task.list shows it: its texts cut to previews, with their full lengths. */
const taskSummarySchema = taskViewSchema.extend({
  input: z.string().describe(`The first ${TASK_PREVIEW_CHARS.text} characters of the input.`),
  inputSize: size.describe('Characters in the whole input.'),
  output: z
    .string()
    .nullable()
    .describe(`The first ${TASK_PREVIEW_CHARS.text} characters of the answer, once completed.`),
  outputSize: size.nullable().describe('Characters in the whole answer.'),
  error: z
    .string()
    .nullable()
    .describe(
      `The first ${TASK_PREVIEW_CHARS.error} characters of why it failed or was cancelled.`,
    ),
  cut: z
    .boolean()
    .describe('True when input, output or error is longer than shown (task.get has it whole).'),
});

export type TaskSummary = z.output<typeof taskSummarySchema>;

const oneTask = z.strictObject({ task: taskViewSchema });

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
    result: oneTask,
    access: 'public',
    scope: 'agents',
    mcpTool: 'task_create',
    http: { method: 'POST', path: '/tasks' },
  }),
  defineMethod({
    name: 'task.assign',
    description: 'Assigns a pending task to one of your active agents.',
    params: z.strictObject({ taskId, agentId: agentIdParam, ...sessionParams }),
    result: oneTask,
    access: 'public',
    scope: 'agents',
    http: { method: 'POST', path: '/tasks/:taskId/assign' },
  }),
  defineMethod({
    name: 'task.get',
    description:
      'One of your tasks: status, input, output or error, provider, model, token usage and duration.',
    params: z.strictObject({ taskId, ...sessionParams }),
    result: oneTask,
    access: 'public',
    scope: 'agents',
    mcpTool: 'task_get',
    http: { method: 'GET', path: '/tasks/:taskId' },
  }),
  defineMethod({
    name: 'task.list',
    description:
      "Lists your session's tasks, newest first; filter by status or agent. Texts come as previews (task.get has them whole); a page never exceeds daemon.replyBudgetBytes: when it stops early it says truncated: true, and the next offset is offset + count.",
    params: z.strictObject({
      status: taskStatus.optional(),
      agentId: agentIdParam.optional(),
      limit: z.number().int().min(1).max(1000).default(20),
      offset: z.number().int().min(0).max(1_000_000).default(0),
      ...sessionParams,
    }),
    result: z.strictObject({
      tasks: z.array(taskSummarySchema),
      count: z.number().int().min(0).describe('Tasks on this page.'),
      total: z.number().int().min(0).describe('Every task that matches, on all pages.'),
      truncated: z
        .boolean()
        .describe('True when the reply budget (daemon.replyBudgetBytes) ended this page early.'),
    }),
    access: 'public',
    scope: 'agents',
    mcpTool: 'task_list',
    http: { method: 'GET', path: '/tasks' },
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
    result: oneTask,
    access: 'public',
    scope: 'agents',
    http: { method: 'POST', path: '/tasks/:taskId/complete' },
  }),
  defineMethod({
    name: 'task.cancel',
    description: 'Cancels a pending or running task; a running provider call is aborted.',
    params: z.strictObject({ taskId, ...sessionParams }),
    result: oneTask,
    access: 'public',
    scope: 'agents',
    http: { method: 'POST', path: '/tasks/:taskId/cancel' },
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
    result: oneTask,
    access: 'public',
    scope: 'agents',
    mcpTool: 'task_run',
    timeoutMs: null,
    http: { method: 'POST', path: '/tasks/:taskId/run' },
  }),
];
