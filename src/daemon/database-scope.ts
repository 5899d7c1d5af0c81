/**
 * The database scope: one database file and every service that holds its connection or
 * its prepared statements. The daemon opens it at start and again on the restored file
 * after a restore; what outlives a restore (providers, jobs, backups, the checkpointer,
 * the dispatcher) is passed in and reaches the current database only through these
 * parts, never through a captured copy. Configuration is read through `config()`, so a
 * reload reaches every service without rebuilding it.
 */
import type Database from 'better-sqlite3';
import type { Logger } from 'pino';
import type { Config } from '../config/schema.js';
import type { Redactor } from '../config/secrets.js';
import { resolvePluginsDir } from '../config/paths.js';
import type { Dispatcher } from '../rpc/dispatch.js';
import { pluginMethod } from '../rpc/handlers/plugin.js';
import { AccessControl } from '../services/access/access-control.js';
import { ProjectService } from '../services/access/projects.js';
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
import { ReadPool } from '../services/reads/read-pool.js';
import { InlineReads, type Reads } from '../services/reads/reads.js';
import type { ProviderRegistry } from '../services/providers/registry.js';
import type { Services } from '../services/services.js';
import { SessionService } from '../services/access/sessions.js';
import type { TokenService } from '../services/access/tokens.js';
import type { DashboardLogins } from '../services/access/dashboard-logins.js';
import { DoctorService } from '../services/system/doctor.js';
import { SystemService, type SystemSources } from '../services/system/system.js';
import { TaskRuns } from '../services/agents/task-runs.js';
import { TaskService } from '../services/agents/tasks.js';
import { AgentTaskStore } from '../store/agents/agent-task-store.js';
import { EmbeddingStore } from '../store/embeddings/embedding-store.js';
import { MemoryStore } from '../store/memory/memory-store.js';
import {
  metaAuditHead,
  metaAuditPruning,
  type AuditHeadStore,
  type AuditPruningStore,
} from '../store/audit/audit-head.js';
import { applyWalSettings } from '../store/checkpoint.js';
import { closeDatabase, openDatabase } from '../store/database.js';
import { MIGRATIONS } from '../store/schema.js';

/** The file itself: the connection and where the audit chain head and pruning are kept in it. */
export interface DatabaseFile {
  db: Database.Database;
  auditHead: AuditHeadStore;
  auditPruning: AuditPruningStore;
}

export function openDatabaseFile(o: { path: string; config: Config }): DatabaseFile {
  const { storage } = o.config;
  const db = openDatabase({
    path: o.path,
    synchronous: storage.synchronous,
    busyTimeoutMs: storage.busyTimeoutMs,
    migrations: MIGRATIONS,
  });
  applyWalSettings(db, storage.walAutocheckpointPages);
  return { db, auditHead: metaAuditHead(db), auditPruning: metaAuditPruning(db) };
}

/** Closes the file (a TRUNCATE checkpoint first, so a kept copy is one file). */
export function closeDatabaseFile(file: DatabaseFile, logger: Logger): void {
  if (!file.db.open) return;
  try {
    closeDatabase(file.db);
  } catch (err) {
    // Closed anyway (closeDatabase closes in `finally`); a WAL left beside it moves with it.
    logger.warn({ err }, 'checkpoint before closing the database failed');
  }
}

export interface DatabaseServiceDeps {
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
  tokens: TokenService;
  dashboard: DashboardLogins;
  /** What the system service reports, apart from the database. */
  system: Omit<SystemSources, 'db'>;
  dispatcher: Dispatcher;
}

/** The parts the daemon starts, stops and looks up between restores. */
export interface DatabaseScope extends DatabaseFile {
  services: Services;
  sessions: SessionService;
  keys: KeyLedger;
  embeddings: EmbeddingService;
  plugins: PluginManager;
  tasks: TaskService;
  /** The read pool of this file: closed before the file is, so no worker keeps it open. */
  reads: Reads;
}

export function buildDatabaseServices(
  file: DatabaseFile,
  deps: DatabaseServiceDeps,
): DatabaseScope {
  const { db } = file;
  const { audit, logger, now } = deps;
  const config = deps.config();
  const memoryStore = new MemoryStore(db, now, () => deps.config().memory.history.keep);
  const projects = new ProjectService(db, audit, now);
  const sessions = new SessionService(db, memoryStore, audit, projects, {
    defaultIdleTimeoutMinutes: () => deps.config().sessions.idleTimeoutMinutes,
    now,
  });
  const access = new AccessControl(sessions, audit);
  const keys = new KeyLedger(db, { audit, logger, now });
  const embeddingStore = new EmbeddingStore(db);
  const reads: Reads =
    config.daemon.readWorkers > 0
      ? new ReadPool({
          path: db.name,
          workers: config.daemon.readWorkers,
          busyTimeoutMs: config.storage.busyTimeoutMs,
          timeoutMs: () => deps.config().daemon.queryTimeoutMs,
          logger,
        })
      : new InlineReads({ memory: memoryStore, embeddings: embeddingStore });
  const embeddings = new EmbeddingService({
    store: memoryStore,
    embeddings: embeddingStore,
    providers: deps.providers,
    settings: embeddingSettings(config),
    logger,
    now,
    reads,
  });
  const memory = new MemoryService(
    memoryStore,
    access,
    embeddings,
    reads,
    () => deps.config().daemon.replyBudgetBytes,
  );
  const plugins = new PluginManager({
    db,
    audit,
    logger,
    config: () => deps.config().plugins,
    dir: resolvePluginsDir(config.plugins.dir, deps.dataDir, deps.env),
    dataDir: deps.dataDir,
    registry: {
      add: (spec) => {
        const method = pluginMethod(spec);
        deps.dispatcher.addDynamicMethod(method.spec, method.handler);
      },
      remove: (name) => deps.dispatcher.removeMethod(name),
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
    system: new SystemService({ ...deps.system, db }),
    // Built with the database it reads SQLite's version from: a restore starts its
    // anomaly window over at the last 24 hours.
    doctor: new DoctorService({
      dataDir: deps.dataDir,
      config: deps.config,
      now,
      jobs: () => deps.jobs.list(),
      sqliteVersion: () => db.prepare('SELECT sqlite_version()').pluck().get() as string,
    }),
    audit: deps.auditLog,
    providers: deps.providers,
    jobs: deps.jobs,
    backup: deps.backup,
    tokens: deps.tokens,
    dashboard: deps.dashboard,
    replyBudgetBytes: () => deps.config().daemon.replyBudgetBytes,
    plugins,
    sessions,
    projects,
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
  return { ...file, services, sessions, keys, embeddings, plugins, tasks, reads };
}

/**
 * Stops what runs on its own (the embedding worker, plugin processes, read workers) and
 * saves session activity. The read workers are told to end here; a caller that is about
 * to replace the file awaits `scope.reads.close()` first, so that none still has it open.
 */
export function stopDatabaseServices(scope: DatabaseScope): void {
  void scope.reads.close();
  scope.embeddings.stop(); // its queue and index build stop touching the database
  scope.plugins.stop(); // nothing may call into them once the database is gone
  scope.sessions.close(); // last-activity times belong in this database
}
