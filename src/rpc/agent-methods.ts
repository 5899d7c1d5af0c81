/**
 * `agent.*`: the agent types on offer, and the agents of a session — spawn, list,
 * status, stop. Everything but `agent.types` needs the session's credentials; a
 * session sees and touches only its own agents, and another session's agent id is
 * answered as NOT_FOUND.
 */
import { z } from 'zod';
import { defineMethod, type CallContext } from './method.js';
import { sessionParams } from './memory-schemas.js';

const op = (method: string, ctx: CallContext) => ({ method, connection: ctx.connection.id });

export const agentIdParam = z.string().min(1).max(100).describe('The agent id (from agent.spawn).');

export const agentMethods = [
  defineMethod({
    name: 'agent.types',
    description:
      'Lists the agent types: built-in (coder, researcher, tester, reviewer, adversarial, architect, coordinator, analyst, devops, documentation, security-auditor) and any from the config or plugins, each with its description, system prompt and capabilities.',
    params: z.strictObject({}).prefault({}),
    access: 'public',
    mcpTool: 'agent_types',
    handler: (_p, ctx) => ctx.services.agents.types(),
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
    access: 'public',
    mcpTool: 'agent_spawn',
    handler: (p, ctx) => ctx.services.agents.spawn(p, op('agent.spawn', ctx)),
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
    access: 'public',
    mcpTool: 'agent_list',
    handler: (p, ctx) => ctx.services.agents.list(p, op('agent.list', ctx)),
  }),
  defineMethod({
    name: 'agent.status',
    description: 'One of your agents, with its task counts by status.',
    params: z.strictObject({ agentId: agentIdParam, ...sessionParams }),
    access: 'public',
    handler: (p, ctx) => ctx.services.agents.status(p, op('agent.status', ctx)),
  }),
  defineMethod({
    name: 'agent.stop',
    description:
      'Stops one of your agents and cancels its pending and running tasks (a running provider call is aborted). Stopping a stopped agent changes nothing.',
    params: z.strictObject({ agentId: agentIdParam, ...sessionParams }),
    access: 'public',
    mcpTool: 'agent_stop',
    handler: (p, ctx) => ctx.services.agents.stop(p, op('agent.stop', ctx)),
  }),
];
