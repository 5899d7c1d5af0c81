/**
 * The services a method handler can reach. The daemon builds one of these per process
 * (no singletons); tests can build one around a temp database.
 */
import type { AccessControl } from './access-control.js';
import type { AgentService } from './agents.js';
import type { AuditLog } from './audit-log.js';
import type { BackupService } from './backup.js';
import type { GitHubService } from './github.js';
import type { JobRunner } from './jobs.js';
import type { MemoryService } from './memory.js';
import type { PluginManager } from './plugins/manager.js';
import type { ProviderRegistry } from './providers/registry.js';
import type { SessionService } from './sessions.js';
import type { SystemService } from './system.js';
import type { TaskService } from './tasks.js';

export interface Services {
  system: SystemService;
  audit: AuditLog;
  sessions: SessionService;
  access: AccessControl;
  memory: MemoryService;
  github: GitHubService;
  jobs: JobRunner;
  providers: ProviderRegistry;
  plugins: PluginManager;
  agents: AgentService;
  tasks: TaskService;
  backup: BackupService;
}
