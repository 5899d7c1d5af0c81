/**
 * The daemon, assembled: resolve paths and config, secure the directories, take the
 * single-instance locks, open the database, and serve the method table on the socket.
 * `createDaemon()` builds everything from its options (no globals), so a test can run a
 * whole daemon in a temp dir and stop it in one call.
 */
import { dirname, join } from 'node:path';
import type Database from 'better-sqlite3';
import type { Logger } from 'pino';
import { loadConfig, type LoadedConfig } from '../config/load.js';
import { resolveDataDir, resolveSocketPath } from '../config/paths.js';
import { Redactor } from '../config/secrets.js';
import { withEmbeddingModel } from '../services/embeddings/embedding-settings.js';
import type { Config } from '../config/schema.js';
import { Dispatcher } from '../rpc/dispatch.js';
import { AppError } from '../core/errors.js';
import { handlers } from '../rpc/handlers/index.js';
import { methodTable } from '../protocol/table.js';
import { loggerAudit, type AuditSink } from '../services/audit/audit-sink.js';
import type { AuditLog } from '../services/audit/audit-log.js';
import type { AuditHeadStore } from '../services/audit/audit-files.js';
import { BackupService } from '../services/backup/backup.js';
import type { DatabaseSwap } from '../services/backup/backup-restore.js';
import { RequestGate } from '../core/request-gate.js';
import { metaAuditHead } from '../store/audit/audit-head.js';
import { applyWalSettings, Checkpointer } from '../store/checkpoint.js';
import type { JobResult } from '../protocol/job.js';
import type { JobRunner } from '../services/jobs/jobs.js';
import { ProviderRegistry } from '../services/providers/registry.js';
import type { Services } from '../services/services.js';
import { SystemService, type ConfigReloadResult } from '../services/system/system.js';
import { closeDatabase, openDatabase } from '../store/database.js';
import { MIGRATIONS } from '../store/schema.js';
import type { SocketServer } from '../transport/socket-server.js';
import { VERSION } from '../core/version.js';
import { configChanges, reloadMessage } from './config-reload.js';
import { buildJobs, checkKeys } from './daemon-jobs.js';
import { buildDatabaseServices, type DatabaseServices } from './database-services.js';
import { auditRefusal, createRpcServer } from './rpc-server.js';
import { listenPrivately } from './socket-home.js';
import { SocketWatch } from './socket-watch.js';
import { openAuditLog } from './audit-open.js';
import { acquireLock, type Lock } from './instance-lock.js';
import { createLogger, resolveLogTarget, type LogTarget } from './logger.js';
import { ensurePrivateDir } from '../core/private-dir.js';

export interface DaemonOptions {
  socketPath?: string;
  dataDir?: string;
  configPath?: string;
  env?: NodeJS.ProcessEnv;
  /** Where logs go: default config `logging.file`, else stdout. A file target without a path means `<dataDir>/logs/aistackd.log`. */
  log?: LogTarget | { kind: 'file'; path?: string };
  /** The clock (ms since epoch); tests drive idle timeouts with it. */
  clock?: () => number;
  /** Called once the daemon has stopped on its own (system.shutdown, its socket lost). */
  onStopped?: () => void;
  /**
   * Check every answer against its method's result schema (an answer that fails is an
   * INTERNAL error, logged with why). Default: `AISTACK_CHECK_RESULTS=1` in the env.
   */
  checkResults?: boolean;
}

const MAX_SOCKET_PATH_BYTES = 107;

export class Daemon {
  readonly socketPath: string;
  readonly dataDir: string;
  readonly dbPath: string;
  readonly redactor = new Redactor();
  config: Config;
  logger!: Logger;
  audit!: AuditSink;
  db!: Database.Database;
  private loaded: LoadedConfig;
  private server?: SocketServer;
  private socketWatch?: SocketWatch;
  private auditLog?: AuditLog;
  private providers?: ProviderRegistry;
  private jobs?: JobRunner<JobResult>;
  /** The services that hold the database (rebuilt after a restore). */
  private parts?: DatabaseServices;
  /** Every request passes it; a restore closes it while it swaps the database. */
  readonly gate = new RequestGate();
  private services?: Services;
  private dispatcher?: Dispatcher;
  private checkpointer?: Checkpointer;
  private backup?: BackupService;
  /** Where the audit chain head is saved: the live database, which a restore replaces. */
  private auditHead?: AuditHeadStore;
  private auditClosed?: Promise<void>;
  private locks: Lock[] = [];
  private stopping?: Promise<void>;
  private readonly startedAt = Date.now();

  constructor(private readonly options: DaemonOptions = {}) {
    const env = options.env ?? process.env;
    this.loaded = loadConfig({ flag: options.configPath, env });
    this.config = this.loaded.config;
    this.loaded.secrets.forEach((s) => this.redactor.addSecret(s));
    this.socketPath = resolveSocketPath({
      flag: options.socketPath,
      env,
      configValue: this.config.daemon.socketPath,
    });
    this.dataDir = resolveDataDir({ flag: options.dataDir, env, configValue: this.config.dataDir });
    this.dbPath = join(this.dataDir, 'aistack.db');
    if (Buffer.byteLength(this.socketPath) > MAX_SOCKET_PATH_BYTES) {
      throw new Error(
        `socket path is too long for a Unix socket (${Buffer.byteLength(this.socketPath)} bytes, max ${MAX_SOCKET_PATH_BYTES}): ${this.socketPath}`,
      );
    }
  }

  async start(): Promise<void> {
    ensurePrivateDir(dirname(this.socketPath), 'socket directory');
    ensurePrivateDir(this.dataDir, 'data directory');
    this.logger = await createLogger({
      level: this.config.logging.level,
      target: resolveLogTarget(this.options.log, this.config.logging.file, this.dataDir),
      redactor: this.redactor,
    });
    // Until the database (which holds the chain head) is open, audit events go to the log.
    this.audit = loggerAudit(this.logger);
    for (const w of this.loaded.warnings)
      this.logger.warn({ file: w.file, fields: w.fields }, w.message);
    try {
      this.locks.push(acquireLock(join(this.dataDir, 'aistackd.lock'), `data dir ${this.dataDir}`));
      this.locks.push(acquireLock(`${this.socketPath}.lock`, `socket ${this.socketPath}`));
      this.db = this.openDb();
      this.auditHead = metaAuditHead(this.db);
      this.auditLog = await openAuditLog({
        config: this.config,
        dataDir: this.dataDir,
        redactor: this.redactor,
        head: { get: () => this.auditHead!.get(), set: (h) => this.auditHead!.set(h) },
        logger: this.logger,
      });
      this.audit = this.auditLog;
      for (const w of this.loaded.warnings) {
        this.audit.record('config.permission_warning', {
          code: w.code,
          file: w.file,
          fields: w.fields,
        });
      }
      const server = this.buildServer();
      // Before listening, so a client that can connect sees the approved plugins' methods.
      // Bounded by the start timeout; a plugin that fails is marked failed, never fatal.
      await this.parts!.plugins.start();
      const own = await listenPrivately(server, this.socketPath, this.logger);
      this.server = server;
      this.socketWatch = new SocketWatch({
        path: this.socketPath,
        own,
        intervalMs: this.config.daemon.socketCheckIntervalMs,
        logger: this.logger,
        audit: this.audit,
        onLost: () => void this.stop().then(() => this.options.onStopped?.()),
      });
      this.socketWatch.start();
      checkKeys(this.parts!.keys, this.config);
      this.jobs!.start();
      this.parts!.embeddings.start();
      this.checkpointer!.start();
    } catch (err) {
      this.releaseResources();
      throw err;
    }
    this.logger.info(
      {
        version: VERSION,
        socket: this.socketPath,
        dataDir: this.dataDir,
        config: this.loaded.file ?? '(defaults)',
      },
      'aistackd listening',
    );
  }

  private openDb(): Database.Database {
    const db = openDatabase({
      path: this.dbPath,
      synchronous: this.config.storage.synchronous,
      busyTimeoutMs: this.config.storage.busyTimeoutMs,
      migrations: MIGRATIONS,
    });
    applyWalSettings(db, this.config.storage.walAutocheckpointPages);
    return db;
  }

  /**
   * Everything that holds the database connection or its prepared statements. Built at
   * start and again after a restore; what outlives a restore (providers, jobs, backups,
   * the checkpointer) reaches the database and these services through `this`, never
   * through a captured copy.
   */
  private buildServices(): Services {
    const now = this.options.clock ?? Date.now;
    this.providers ??= new ProviderRegistry({
      config: withEmbeddingModel(this.config),
      redactor: this.redactor,
      keyFirstSeen: (fp) => this.parts?.keys.firstSeen(fp),
    });
    this.jobs ??= buildJobs({
      config: () => this.config,
      audit: this.audit,
      logger: this.logger,
      now,
      sessions: () => this.parts!.sessions,
      keys: () => this.parts!.keys,
      auditLog: () => this.auditLog!,
      backup: () => this.backup!,
    });
    this.checkpointer ??= new Checkpointer({
      db: () => this.db,
      dbPath: this.dbPath,
      intervalMs: this.config.storage.checkpointIntervalMs,
      walAutocheckpointPages: this.config.storage.walAutocheckpointPages,
      busyTimeoutMs: this.config.storage.busyTimeoutMs,
      lastActivityAt: () => this.gate.lastActivityAt,
      running: () => this.gate.running,
      logger: this.logger,
    });
    this.backup ??= new BackupService({
      dataDir: this.dataDir,
      dbPath: this.dbPath,
      audit: this.audit,
      gate: this.gate,
      migrations: MIGRATIONS,
      reopenDatabase: (swap) => this.reopenDatabase(swap),
      logger: this.logger,
    });
    const system = new SystemService({
      version: VERSION,
      startedAt: this.startedAt,
      socketPath: this.socketPath,
      dataDir: this.dataDir,
      dbPath: this.dbPath,
      configFile: this.loaded.file,
      db: this.db,
      requestCounts: () => this.dispatcher!.metrics.snapshot(),
      storage: () => this.checkpointer!.health(),
      keys: () => this.parts?.keys.status() ?? [],
      connections: () => ({
        current: this.server?.connectionCount ?? 0,
        max: this.config.daemon.maxConnections,
      }),
      shutdown: () => void this.stop().then(() => this.options.onStopped?.()),
      reloadConfig: () => this.reload(),
    });
    this.parts = buildDatabaseServices({
      db: this.db,
      config: () => this.config,
      audit: this.audit,
      auditLog: this.auditLog!,
      logger: this.logger,
      redactor: this.redactor,
      now,
      env: this.options.env ?? process.env,
      dataDir: this.dataDir,
      providers: this.providers,
      jobs: this.jobs,
      backup: this.backup,
      system,
      dispatcher: () => this.dispatcher!,
    });
    return this.parts.services;
  }

  /**
   * Swaps the database under the running daemon (a restore, which holds the request gate
   * meanwhile). From stopping the plugins to rebuilding the services it is synchronous:
   * no request, job or timer runs between closing the old database and serving from the
   * new one. Plugins then start again under the approvals of the database now in place.
   */
  private async reopenDatabase(swap: DatabaseSwap): Promise<Database.Database> {
    this.parts?.plugins.stop(); // their processes and methods were approved by the old database
    this.parts?.embeddings.stop(); // its queue and vector index belong to the database put aside
    this.parts?.sessions.close(); // last-activity times belong in the database being put aside
    try {
      closeDatabase(this.db); // TRUNCATE checkpoint first, so the kept copy is one file
    } catch (err) {
      // Closed anyway (closeDatabase closes in `finally`); a WAL left beside it moves with it.
      this.logger.warn({ err }, 'checkpoint before the database swap failed');
    }
    let failure: unknown;
    try {
      swap.apply();
      this.db = this.openDb();
    } catch (err) {
      failure = err;
      this.logger.error(
        { err },
        'the restored database did not open; putting the previous one back',
      );
      swap.undo();
      this.db = this.openDb();
    }
    this.auditHead = metaAuditHead(this.db);
    // The restored database holds an older chain head; the chain continues from the files.
    if (this.auditLog) this.auditHead.set(this.auditLog.head);
    this.services = this.buildServices();
    this.dispatcher!.setServices(this.services);
    this.parts!.embeddings.start(); // a new index, from the vectors of the database now in place
    await this.parts!.plugins.start();
    if (failure) {
      throw new AppError(
        'CONFLICT',
        `not restored: the restored database did not open (${(failure as Error).message}); the previous database is back in place`,
      );
    }
    return this.db;
  }

  private buildServer(): SocketServer {
    const services = this.buildServices();
    this.services = services;
    const dispatcher = new Dispatcher({
      methods: methodTable,
      handlers,
      services,
      logger: this.logger,
      redactor: this.redactor,
      gate: this.gate,
      onRefusal: (e) => auditRefusal(this.audit, e),
      checkResults:
        this.options.checkResults ??
        (this.options.env ?? process.env).AISTACK_CHECK_RESULTS === '1',
    });
    this.dispatcher = dispatcher;
    return createRpcServer({
      dispatcher,
      config: this.config,
      logger: this.logger,
      audit: this.audit,
    });
  }

  /** Re-reads the config file; applies what can change live and reports the rest as needing a restart. */
  async reload(): Promise<ConfigReloadResult> {
    let next: LoadedConfig;
    try {
      next = loadConfig({ flag: this.options.configPath, env: this.options.env ?? process.env });
    } catch (err) {
      this.logger.error({ err }, 'config reload failed; keeping the running configuration');
      throw new AppError('CONFLICT', `config not reloaded: ${(err as Error).message}`);
    }
    const changed = configChanges(this.config, next.config);
    next.secrets.forEach((s) => this.redactor.addSecret(s));
    for (const w of next.warnings) {
      this.logger.warn({ file: w.file, fields: w.fields }, w.message);
      this.audit.record('config.permission_warning', {
        code: w.code,
        file: w.file,
        fields: w.fields,
      });
    }
    this.loaded = next;
    this.config = next.config;
    this.providers?.reload(withEmbeddingModel(next.config, this.parts?.embeddings.settings));
    this.logger.level = next.config.logging.level;
    this.server?.setLimits(next.config.daemon);
    const needsRestart = changed.filter((c) => !c.appliedLive).map((c) => c.path);
    this.logger.info({ changed, needsRestart }, reloadMessage(changed));
    return { file: next.file ?? null, changed };
  }

  /** Graceful stop: no new connections, in-flight requests finish (bounded), database closed, socket and locks removed. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      this.logger?.info('aistackd stopping');
      // Running tasks end now (cancelled), so their requests finish within the grace period.
      this.parts?.tasks.abortAll();
      if (this.server) {
        const { drained } = await this.server.close(this.config.daemon.shutdownGraceMs);
        if (!drained) this.logger.warn('shutdown grace period ended with requests still in flight');
        // Only the daemon's own socket: never one another daemon has put at the path since.
        this.socketWatch?.removeOwnSocket();
      }
      this.releaseResources();
      await this.auditClosed;
      this.logger?.info('aistackd stopped');
      this.logger?.flush();
    })();
    return this.stopping;
  }

  private releaseResources(): void {
    this.socketWatch?.stop();
    // Before the database closes: the worker and the index build stop touching it.
    this.parts?.embeddings.stop();
    this.jobs?.stop();
    this.checkpointer?.stop();
    // Plugin processes first: nothing may call into them once the database is gone.
    this.parts?.plugins.stop();
    this.parts?.sessions.close();
    // Before the database closes: each record saves the chain head there.
    this.auditClosed = this.auditLog?.close();
    if (this.db?.open) {
      try {
        closeDatabase(this.db);
      } catch (err) {
        this.logger.error({ err }, 'closing the database failed');
      }
    }
    for (const lock of this.locks.reverse()) lock.release();
    this.locks = [];
  }
}

export async function startDaemon(options: DaemonOptions = {}): Promise<Daemon> {
  const daemon = new Daemon(options);
  await daemon.start();
  return daemon;
}
