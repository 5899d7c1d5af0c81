/**
 * The process scope: what lives as long as the daemon process and is never rebuilt —
 * token service, providers, backups, jobs, checkpointer, dispatcher and socket server.
 * Each part reaches the database only through the host's getters (`file()`,
 * `database()`), which a restore repoints, and reads configuration through `config()`,
 * which a reload repoints; nothing here holds a copy of either.
 */
import type Database from 'better-sqlite3';
import type { Logger } from 'pino';
import type { RequestGate } from '../core/request-gate.js';
import type { Config } from '../config/schema.js';
import type { Redactor } from '../config/secrets.js';
import type { JobResult } from '../protocol/job.js';
import { methodTable } from '../protocol/table.js';
import { Dispatcher } from '../rpc/dispatch.js';
import { handlers } from '../rpc/handlers/index.js';
import { DashboardLogins } from '../services/access/dashboard-logins.js';
import { TokenService } from '../services/access/tokens.js';
import type { AuditSink } from '../services/audit/audit-sink.js';
import type { AuditLog } from '../services/audit/audit-log.js';
import { BackupService } from '../services/backup/backup.js';
import type { DatabaseSwap } from '../services/backup/backup-restore.js';
import { withEmbeddingModel } from '../services/embeddings/embedding-settings.js';
import type { JobRunner } from '../services/jobs/jobs.js';
import { ProviderRegistry } from '../services/providers/registry.js';
import { Checkpointer } from '../store/checkpoint.js';
import { MIGRATIONS } from '../store/schema.js';
import type { SocketServer } from '../transport/socket-server.js';
import { buildJobs } from './daemon-jobs.js';
import type { DatabaseFile, DatabaseScope } from './database-scope.js';
import { createRpcServer } from './rpc-server.js';

export interface ProcessScope {
  logger: Logger;
  tokens: TokenService;
  dashboard: DashboardLogins;
  auditLog: AuditLog;
  providers: ProviderRegistry;
  jobs: JobRunner<JobResult>;
  checkpointer: Checkpointer;
  backup: BackupService;
  dispatcher: Dispatcher;
  server: SocketServer;
}

/** What the daemon lends the process scope: fixed facts, and getters for what changes. */
export interface ProcessScopeHost {
  dataDir: string;
  dbPath: string;
  logger: Logger;
  redactor: Redactor;
  gate: RequestGate;
  now: () => number;
  config: () => Config;
  ownerToken: string;
  checkResults: boolean;
  /** The audit sink that counts events for /metrics (jobs write through it). */
  countingAudit: AuditSink;
  auditLog: AuditLog;
  /** The audit sink in use now (the audit log, once open). */
  audit: () => AuditSink;
  file: () => DatabaseFile;
  database: () => DatabaseScope | undefined;
  reopenDatabase: (swap: DatabaseSwap) => Promise<Database.Database>;
}

export function buildProcessScope(host: ProcessScopeHost): ProcessScope {
  const { logger, redactor, gate, config, now, auditLog } = host;
  const providers = new ProviderRegistry({
    config: withEmbeddingModel(config()),
    redactor,
    keyFirstSeen: (fp) => host.database()?.keys.firstSeen(fp),
  });
  const backup = new BackupService({
    dataDir: host.dataDir,
    dbPath: host.dbPath,
    audit: auditLog,
    gate,
    migrations: MIGRATIONS,
    reopenDatabase: host.reopenDatabase,
    logger,
  });
  const tokens = new TokenService({
    dataDir: host.dataDir,
    ownerToken: host.ownerToken,
    audit: auditLog,
    now,
  });
  const dashboard = new DashboardLogins({ now });
  const jobs = buildJobs({
    config,
    audit: host.countingAudit,
    logger,
    now,
    sessions: () => host.database()!.sessions,
    keys: () => host.database()!.keys,
    auditLog: () => auditLog,
    backup: () => backup,
    memory: () => host.database()!.services.memory,
  });
  const storage = config().storage;
  const checkpointer = new Checkpointer({
    db: () => host.file().db,
    dbPath: host.dbPath,
    intervalMs: storage.checkpointIntervalMs,
    walAutocheckpointPages: storage.walAutocheckpointPages,
    busyTimeoutMs: storage.busyTimeoutMs,
    lastActivityAt: () => gate.lastActivityAt,
    running: () => gate.running,
    logger,
  });
  const dispatcher = new Dispatcher({
    methods: methodTable,
    handlers,
    services: () => host.database()!.services,
    logger,
    redactor,
    audit: host.audit,
    gate,
    requestTimeoutMs: () => config().daemon.requestTimeoutMs,
    checkResults: host.checkResults,
    authenticate: (token) => tokens.authenticate(token),
    stillValid: (principal) => tokens.stillValid(principal),
  });
  const server = createRpcServer({ dispatcher, config, logger });
  return {
    logger,
    tokens,
    dashboard,
    auditLog,
    providers,
    jobs,
    checkpointer,
    backup,
    dispatcher,
    server,
  };
}
