/**
 * Handlers of `agent.*`: agent types, and a session's agents.
 */
import type { HandlerTable } from '../handler.js';

export const agentHandlers = {
  'agent.types': (_p, ctx) => ctx.services.agents.types(),
  'agent.spawn': (p, ctx) => ctx.services.agents.spawn(p, ctx.op),
  'agent.list': (p, ctx) => ctx.services.agents.list(p, ctx.op),
  'agent.status': (p, ctx) => ctx.services.agents.status(p, ctx.op),
  'agent.stop': (p, ctx) => ctx.services.agents.stop(p, ctx.op),
} satisfies Partial<HandlerTable>;
