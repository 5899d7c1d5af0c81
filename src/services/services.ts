/**
 * The services a method handler can reach. The daemon builds one of these per process
 * (no singletons); tests can build one around a temp database.
 */
import type { AccessControl } from './access/access-control.js';
import type { AgentService } from './agents/agents.js';
import type { AuditLog } from './audit/audit-log.js';
import type { BackupService } from './backup/backup.js';
import type { DoctorService } from './system/doctor.js';
import type { DashboardLogins } from './access/dashboard-logins.js';
import type { GitHubService } from './github/github.js';
import type { JobResult } from '../protocol/job.js';
import type { JobRunner } from './jobs/jobs.js';
import type { MemoryService } from './memory/memory.js';
import type { PluginManager } from './plugins/manager.js';
import type { ProjectService } from './access/projects.js';
import type { ProviderRegistry } from './providers/registry.js';
import type { SessionService } from './access/sessions.js';
import type { SystemService } from './system/system.js';
import type { TaskService } from './agents/tasks.js';
import type { TokenService } from './access/tokens.js';

export interface Services {
  system: SystemService;
  /** `system.doctor`: the checklist items only the daemon can judge. */
  doctor: DoctorService;
  audit: AuditLog;
  sessions: SessionService;
  projects: ProjectService;
  access: AccessControl;
  memory: MemoryService;
  github: GitHubService;
  jobs: JobRunner<JobResult>;
  providers: ProviderRegistry;
  plugins: PluginManager;
  agents: AgentService;
  tasks: TaskService;
  backup: BackupService;
  tokens: TokenService;
  /** One-time login links and sessions of the web dashboard (in memory). */
  dashboard: DashboardLogins;
  /** `daemon.replyBudgetBytes` now: the largest a page-shaped reply may be. */
  replyBudgetBytes(): number;
}
