/**
 * Every handler, keyed by method name: one per method of `protocol/table.ts`, which the
 * compiler checks (a method without a handler does not build).
 */
import type { HandlerTable } from '../handler.js';
import { agentHandlers } from './agent.js';
import { authHandlers } from './auth.js';
import { auditHandlers } from './audit.js';
import { backupHandlers } from './backup.js';
import { dashboardHandlers } from './dashboard.js';
import { githubHandlers } from './github.js';
import { httpHandlers } from './http.js';
import { jobHandlers } from './job.js';
import { memoryHandlers } from './memory.js';
import { memoryWatchHandlers } from './memory-watch.js';
import { pluginHandlers } from './plugin.js';
import { projectHandlers } from './project.js';
import { providerHandlers } from './provider.js';
import { sessionHandlers } from './session.js';
import { systemHandlers } from './system.js';
import { taskHandlers } from './task.js';

export const handlers: HandlerTable = {
  ...authHandlers,
  ...systemHandlers,
  ...httpHandlers,
  ...dashboardHandlers,
  ...sessionHandlers,
  ...projectHandlers,
  ...memoryHandlers,
  ...memoryWatchHandlers,
  ...auditHandlers,
  ...jobHandlers,
  ...backupHandlers,
  ...providerHandlers,
  ...githubHandlers,
  ...pluginHandlers,
  ...agentHandlers,
  ...taskHandlers,
};
