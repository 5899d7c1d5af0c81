/**
 * `agent.*` on the wire: the agent types on offer, and the agents of a session — spawn,
 * list, status, stop. Everything but `agent.types` needs the session's credentials; a
 * session sees and touches only its own agents, and another session's agent id is
 * answered as NOT_FOUND.
 */
import { z } from 'zod';
import { defineMethod } from './method.js';
import { sessionParams } from './memory-schemas.js';

export const agentIdParam = z.string().min(1).max(100).describe('The agent id (from agent.spawn).');

const count = z.number().int().min(0);

const agentViewSchema = z.strictObject({
  id: z.string(),
  sessionId: z.string(),
  type: z.string().describe('Its agent type (see agent.types).'),
  name: z.string(),
  status: z.enum(['active', 'stopped']),
  capabilities: z.array(z.string()).describe("Its type's capabilities."),
  createdAt: z.iso.datetime(),
  stoppedAt: z.iso.datetime().nullable(),
});

const agentTypeSchema = z.strictObject({
  name: z.string(),
  description: z.string(),
  systemPrompt: z.string(),
  capabilities: z.array(z.string()),
  source: z
    .enum(['builtin', 'config', 'plugin'])
    .describe('Built in, from the config (agents.types), or from a loaded plugin.'),
  plugin: z.string().optional().describe('The plugin that offers it (source "plugin").'),
});

export const agentMethods = [
  defineMethod({
    name: 'agent.types',
    description:
      'Lists the agent types: built-in (coder, researcher, tester, reviewer, adversarial, architect, coordinator, analyst, devops, documentation, security-auditor) and any from the config or plugins, each with its description, system prompt and capabilities.',
    params: z.strictObject({}).prefault({}),
    result: z.strictObject({ types: z.array(agentTypeSchema) }),
    access: 'public',
    scope: 'agents',
    mcpTool: 'agent_types',
    http: { method: 'GET', path: '/agent-types' },
  }),
  defineMethod({
    name: 'agent.spawn',
    description:
      'Spawns an agent of a type (see agent.types) into your session. It lives until agent.stop or until the session ends. Needs a session.',
    params: z.strictObject({
      type: z.string().min(1).max(40).describe('The agent type, e.g. "coder".'),
      name: z
        .string()
        .min(1)
        .max(100)
        // eslint-disable-next-line no-control-regex
        .regex(/^[^\u0000-\u001f\u007f]+$/, 'name must not contain control characters')
        .optional()
        .describe('A name for the agent (default: <type>-<id prefix>).'),
      ...sessionParams,
    }),
    result: z.strictObject({ agent: agentViewSchema }),
    access: 'public',
    scope: 'agents',
    mcpTool: 'agent_spawn',
    http: { method: 'POST', path: '/agents' },
  }),
  defineMethod({
    name: 'agent.list',
    description: "Lists your session's agents, oldest first (active only unless includeStopped).",
    params: z.strictObject({
      includeStopped: z.boolean().optional().describe('Also list stopped agents.'),
      limit: z.number().int().min(1).max(1000).default(100),
      offset: z.number().int().min(0).max(1_000_000).default(0),
      ...sessionParams,
    }),
    result: z.strictObject({
      agents: z.array(agentViewSchema),
      count: count.describe('Agents on this page.'),
    }),
    access: 'public',
    scope: 'agents',
    mcpTool: 'agent_list',
    http: { method: 'GET', path: '/agents' },
  }),
  defineMethod({
    name: 'agent.status',
    description: 'One of your agents, with its task counts by status.',
    params: z.strictObject({ agentId: agentIdParam, ...sessionParams }),
    result: z.strictObject({
      agent: agentViewSchema,
      tasks: z
        .strictObject({
          pending: count,
          running: count,
          completed: count,
          failed: count,
          cancelled: count,
        })
        .describe('Its tasks by status.'),
    }),
    access: 'public',
    scope: 'agents',
    http: { method: 'GET', path: '/agents/:agentId' },
  }),
  defineMethod({
    name: 'agent.stop',
    description:
      'Stops one of your agents and cancels its pending and running tasks (a running provider call is aborted). Stopping a stopped agent changes nothing.',
    params: z.strictObject({ agentId: agentIdParam, ...sessionParams }),
    result: z.strictObject({
      agent: agentViewSchema,
      stopped: z.boolean().describe('False when it was already stopped.'),
      cancelledTasks: count,
    }),
    access: 'public',
    scope: 'agents',
    mcpTool: 'agent_stop',
    http: { method: 'DELETE', path: '/agents/:agentId' },
  }),
];
