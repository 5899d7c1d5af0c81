/**
 * The method table: every method the daemon serves, in one list, with its params and
 * result schemas. The daemon dispatches from it, the typed client takes its types from
 * it, and `system.methods` and the MCP tools are generated from it. It loads nothing but
 * zod, so a thin client can import it.
 */
import type { z } from 'zod';
import { agentMethods } from './agent.js';
import { authMethods } from './auth.js';
import { auditMethods } from './audit.js';
import { backupMethods } from './backup.js';
import { dashboardMethods } from './dashboard.js';
import { doctorMethods } from './doctor.js';
import { githubMethods } from './github.js';
import { httpMethods } from './http.js';
import { jobMethods } from './job.js';
import { memoryBatchMethods } from './memory-batch.js';
import { memoryGraphMethods } from './memory-graph.js';
import { memoryMethods } from './memory.js';
import { memoryWatchMethods } from './memory-watch.js';
import { pluginMethods } from './plugin.js';
import { projectMethods } from './project.js';
import { providerMethods } from './provider.js';
import { sessionMethods } from './session.js';
import { systemMethods } from './system.js';
import { taskMethods } from './task.js';

export const methodTable = [
  ...authMethods,
  ...systemMethods,
  ...doctorMethods,
  ...httpMethods,
  ...dashboardMethods,
  ...sessionMethods,
  ...projectMethods,
  ...memoryMethods,
  ...memoryGraphMethods,
  ...memoryWatchMethods,
  ...memoryBatchMethods,
  ...auditMethods,
  ...jobMethods,
  ...backupMethods,
  ...providerMethods,
  ...githubMethods,
  ...pluginMethods,
  ...agentMethods,
  ...taskMethods,
] as const;

type Table = (typeof methodTable)[number];
export type MethodName = Table['name'];
export type SpecOf<N extends MethodName> = Extract<Table, { name: N }>;
/** What a caller passes: defaults may be left out. */
export type ParamsOf<N extends MethodName> = z.input<SpecOf<N>['params']>;
/** What the daemon answers. */
export type ResultOf<N extends MethodName> = z.output<SpecOf<N>['result']>;
