/**
 * Handlers of `system.jobs` and `jobs.run`: the scheduled jobs.
 */
import type { HandlerTable } from '../handler.js';

export const jobHandlers = {
  'system.jobs': (_p, { services }) => ({ jobs: services.jobs.list() }),
  'jobs.run': (p, { services }) => services.jobs.runNow(p.name),
} satisfies Partial<HandlerTable>;
