/**
 * The services that hold the database. They are built when the daemon starts and built
 * again on the restored database after a restore; what outlives a restore (providers,
 * jobs, backups, the checkpointer, the system service) is passed in, and reaches the
 * current database only through these parts, never through a captured copy.
 */
import type Database from 'better-sqlite3';
import type { Logger } from 'pino';
import type { Config } from '../config/schema.js';
import type { Redactor } from '../config/secrets.js';
import { resolvePluginsDir } from '../config/paths.js';
import type { Dispatcher } from '../rpc/dispatch.js';
import { pluginMethod } from '../rpc/handlers/plugin.js';
import { AccessControl } from '../services/access/access-control.js';
import { AgentTypeCatalog } from '../services/agents/agent-types.js';
import { AgentService } from '../services/agents/agents.js';
import type { AuditSink } from '../services/audit/audit-sink.js';
import type { AuditLog } from '../services/audit/audit-log.js';
import type { BackupService } from '../services/backup/backup.js';
import { embeddingSettings } from '../services/embeddings/embedding-settings.js';
import { EmbeddingService } from '../services/embeddings/embeddings.js';
import { GitHubService } from '../services/github/github.js';
import type { JobResult } from '../protocol/job.js';
import type { JobRunner } from '../services/jobs/jobs.js';
import { KeyLedger } from '../services/providers/key-ledger.js';
import { MemoryService } from '../services/memory/memory.js';
import { PluginManager } from '../services/plugins/manager.js';
import type { ProviderRegistry } from '../services/providers/registry.js';
import type { Services } from '../services/services.js';
import { SessionService } from '../services/access/sessions.js';
import type { SystemService } from '../services/system/system.js';
import { TaskRuns } from '../services/agents/task-runs.js';
import { TaskService } from '../services/agents/tasks.js';
import { AgentTaskStore } from '../store/agents/agent-task-store.js';
import { EmbeddingStore } from '../store/embeddings/embedding-store.js';
import { MemoryStore } from '../store/memory/memory-store.js';

export interface DatabaseServiceDeps {
  db: Database.Database;
  config: () => Config;
  audit: AuditSink;
  auditLog: AuditLog;
  logger: Logger;
  redactor: Redactor;
  now: () => number;
  env: NodeJS.ProcessEnv;
  dataDir: string;
  /** Long-lived, built once by the daemon. */
  providers: ProviderRegistry;
  jobs: JobRunner<JobResult>;
  backup: BackupService;
  system: SystemService;
  dispatcher: () => Dispatcher;
}

/** The parts the daemon starts, stops and looks up between restores. */
export interface DatabaseServices {
  services: Services;
  sessions: SessionService;
  keys: KeyLedger;
  embeddings: EmbeddingService;
  plugins: PluginManager;
  tasks: TaskService;
}

export function buildDatabaseServices(deps: DatabaseServiceDeps): DatabaseServices {
  const { db, audit, logger, now } = deps;
  const config = deps.config();
  const memoryStore = new MemoryStore(db, now);
  const sessions = new SessionService(db, memoryStore, audit, {
    defaultIdleTimeoutMinutes: () => deps.config().sessions.idleTimeoutMinutes,
    now,
  });
  const access = new AccessControl(sessions, audit);
  const keys = new KeyLedger(db, { audit, logger, now });
  const embeddings = new EmbeddingService({
    store: memoryStore,
    embeddings: new EmbeddingStore(db),
    providers: deps.providers,
    settings: embeddingSettings(config),
    logger,
    now,
  });
  const memory = new MemoryService(memoryStore, access, embeddings);
  const plugins = new PluginManager({
    db,
    audit,
    logger,
    config: () => deps.config().plugins,
    dir: resolvePluginsDir(config.plugins.dir, deps.dataDir, deps.env),
    registry: {
      add: (spec) => {
        const { spec: method, handler } = pluginMethod(spec);
        deps.dispatcher().addDynamicMethod(method, handler);
      },
      remove: (name) => deps.dispatcher().removeMethod(name),
    },
    now,
  });
  const catalog = new AgentTypeCatalog({
    configured: () => deps.config().agents.types,
    extraTypes: () => plugins.agentTypes(),
  });
  const agentTaskStore = new AgentTaskStore(db);
  const runs = new TaskRuns();
  const agents = new AgentService({ store: agentTaskStore, runs, access, audit, catalog, now });
  const tasks = new TaskService({
    store: agentTaskStore,
    runs,
    access,
    audit,
    agents,
    catalog,
    memory,
    providers: deps.providers,
    settings: () => deps.config().tasks,
    now,
  });
  // Inside each session's end transaction: stop its agents, cancel its tasks and runs.
  sessions.onEnd((id) => agents.onSessionEnd(id));
  sessions.onEnd((id) => tasks.onSessionEnd(id));
  const services: Services = {
    system: deps.system,
    audit: deps.auditLog,
    providers: deps.providers,
    jobs: deps.jobs,
    backup: deps.backup,
    plugins,
    sessions,
    access,
    memory,
    agents,
    tasks,
    github: new GitHubService({
      config: () => deps.config().github,
      audit,
      redactor: deps.redactor,
      env: deps.env,
    }),
  };
  return { services, sessions, keys, embeddings, plugins, tasks };
}
