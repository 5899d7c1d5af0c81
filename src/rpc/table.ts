/**
 * The method table: every method the daemon serves, in one list. Types for the typed
 * client are derived from it, so a method's params and result are written only once.
 */
import type { z } from 'zod';
import { agentMethods } from './agent-methods.js';
import { auditMethods } from './audit-methods.js';
import { backupMethods } from './backup-methods.js';
import { githubMethods } from './github-methods.js';
import { jobMethods } from './job-methods.js';
import { memoryMethods } from './memory-methods.js';
import { pluginMethods } from './plugin-methods.js';
import { providerMethods } from './provider-methods.js';
import { sessionMethods } from './session-methods.js';
import { systemMethods } from './system-methods.js';
import { taskMethods } from './task-methods.js';

export const methodTable = [
  ...systemMethods,
  ...sessionMethods,
  ...memoryMethods,
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
type ByName<N extends MethodName> = Extract<Table, { name: N }>;
export type ParamsOf<N extends MethodName> = z.input<ByName<N>['params']>;
export type ResultOf<N extends MethodName> = Awaited<ReturnType<ByName<N>['handler']>>;
