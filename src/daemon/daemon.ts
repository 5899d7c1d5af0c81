/**
 * The daemon, assembled: resolve paths and config, secure the directories, take the
 * single-instance locks, open the database, and serve the method table on the socket.
 * `createDaemon()` builds everything from its options (no globals), so a test can run a
 * whole daemon in a temp dir and stop it in one call.
 *
 * Two lifetimes, named: the process scope (config accessor, logger, audit log,
 * providers, jobs, backups, checkpointer, dispatcher, socket) is built once and lives
 * until the process stops; the database scope (the connection and every service that
 * holds it or its statements) is opened at start and opened again on the restored file
 * after a restore. Process parts reach the database only through `this.database`, never
 * through a captured copy, and everything reads configuration through `config()`.
 */
import { dirname, join } from 'node:path';
import { closeFrontDoors } from './front-doors-close.js';
import type { Logger } from 'pino';
import { AppError } from '../core/errors.js';
import { dataDirLockPath, socketLockPath } from '../core/lock-file.js';
import { ensureOwnerToken, removeSocketToken, writeSocketToken } from '../core/owner-token.js';
import { ensurePrivateDir } from '../core/private-dir.js';
import { RequestGate } from '../core/request-gate.js';
import { VERSION } from '../core/version.js';
import { loadConfig, type LoadedConfig } from '../config/load.js';
import { daemonPaths } from '../config/paths.js';
import type { Config } from '../config/schema.js';
import type { InsecureTransport } from '../config/transport-security.js';
import { Redactor } from '../config/secrets.js';
import { loggerAudit, type AuditSink } from '../services/audit/audit-sink.js';
import type { AuditLog } from '../services/audit/audit-log.js';
import type { DatabaseSwap } from '../services/backup/backup-restore.js';
import type { Reads } from '../services/reads/reads.js';
import type { ConfigReloadResult } from '../services/system/system.js';
import type { SocketServer } from '../transport/socket-server.js';
import { openAuditLog } from './audit-open.js';
import { auditConfigWarnings, reloadConfig } from './config-reload.js';
import { checkKeys } from './daemon-jobs.js';
import {
  buildDatabaseServices,
  closeDatabaseFile,
  openDatabaseFile,
  stopDatabaseServices,
  type DatabaseFile,
  type DatabaseScope,
} from './database-scope.js';
import { CountingAudit } from './audit-counts.js';
import { describe as describeHttp, HttpFront, startFrontDoor } from './http-front.js';
import { acquireLock, type Lock } from './instance-lock.js';
import { createLogger, resolveLogTarget, type LogTarget } from './logger.js';
import { buildProcessScope, type ProcessScope } from './process-scope.js';
import { assertSocketPathFits, listenPrivately } from './socket-home.js';
import { SocketWatch } from './socket-watch.js';
import { reportInsecureTransport } from './transport-warnings.js';

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
  /** Check every result against its method's declared schema (default: $AISTACK_CHECK_RESULTS=1). */
  checkResults?: boolean;
}

export class Daemon {
  readonly socketPath: string;
  readonly dataDir: string;
  readonly dbPath: string;
  readonly redactor = new Redactor();
  /** Every request passes it; a restore closes it while it swaps the database. */
  readonly gate = new RequestGate();
  logger!: Logger;
  /** The audit log once open; until then (and after it closes) the log file. */
  audit!: AuditSink;
  private loaded: LoadedConfig;
  private proc?: ProcessScope;
  /** The database file in place now; `database` adds its services once they are built. */
  private file?: DatabaseFile;
  private database?: DatabaseScope;
  private auditLog?: AuditLog;
  /** Every audit record, counted by event for /metrics, on its way to the audit sink in use. */
  private readonly auditCounts = new CountingAudit(() => this.audit);
  /** The HTTP front door, when `http.enabled`. */
  private http?: HttpFront;
  /** Stops the daemon when its socket file is removed or replaced. */
  private socketWatch?: SocketWatch;
  /** Also kept beside the socket while the daemon serves, for clients that know only the socket. */
  private ownerToken?: string;
  private auditClosed?: Promise<void>;
  private locks: Lock[] = [];
  private stopping?: Promise<void>;
  private readonly startedAt = Date.now();
  /** Plain-http providers and disabled TLS checks in force (reported at start and reload). */
  private insecure: InsecureTransport[] = [];
  private readonly env: NodeJS.ProcessEnv;
  private readonly now: () => number;

  constructor(private readonly options: DaemonOptions = {}) {
    this.env = options.env ?? process.env;
    this.now = options.clock ?? Date.now;
    this.loaded = loadConfig({ flag: options.configPath, env: this.env });
    this.loaded.secrets.forEach((s) => this.redactor.addSecret(s));
    const config = this.loaded.config;
    ({ socketPath: this.socketPath, dataDir: this.dataDir } = daemonPaths(
      { socket: options.socketPath, dataDir: options.dataDir },
      config,
      this.env,
    ));
    this.dbPath = join(this.dataDir, 'aistack.db');
    assertSocketPathFits(this.socketPath);
  }

  /** The configuration in force now; a reload replaces it, so read it through here, every time. */
  readonly config = (): Config => this.loaded.config;

  /** The database connection in place now (it changes on a restore). */
  get db() {
    return this.file!.db;
  }

  /** The dispatcher (tests look at its requests in flight). */
  get dispatcher() {
    return this.proc?.dispatcher;
  }

  /** The read pool of the database in place (a test looks at its queue and workers). */
  get reads(): Reads | undefined {
    return this.database?.reads;
  }

  /** The socket server (a test counts its connections' listeners). */
  get server(): SocketServer | undefined {
    return this.proc?.server;
  }

  async start(): Promise<void> {
    ensurePrivateDir(dirname(this.socketPath), 'socket directory');
    ensurePrivateDir(this.dataDir, 'data directory');
    const config = this.config();
    this.logger = await createLogger({
      level: config.logging.level,
      target: resolveLogTarget(this.options.log, config.logging.file, this.dataDir),
      redactor: this.redactor,
    });
    // Until the database (which holds the chain head) is open, audit events go to the log.
    this.audit = loggerAudit(this.logger);
    for (const w of this.loaded.warnings)
      this.logger.warn({ file: w.file, fields: w.fields }, w.message);
    try {
      this.locks.push(
        acquireLock(dataDirLockPath(this.dataDir), `data dir ${this.dataDir}`, this.socketPath),
      );
      this.locks.push(acquireLock(socketLockPath(this.socketPath), `socket ${this.socketPath}`));
      this.file = openDatabaseFile({ path: this.dbPath, config: this.config() });
      this.proc = await this.openProcessScope();
      this.database = this.buildDatabaseServices();
      // Plugin processes a killed daemon left running on this data dir go first.
      this.database.plugins.reapLeftovers();
      // Before listening, so a client that can connect sees the approved plugins' methods.
      // Bounded by the start timeout; a plugin that fails is marked failed, never fatal.
      await this.database.plugins.start();
      // The HTTP front door, when `http.enabled` (restart-only: it binds once).
      this.http = await startFrontDoor(this.proc, {
        config: this.config,
        logger: this.logger,
        audit: this.auditCounts,
        activeSessions: () => this.database?.sessions.activeCount() ?? 0,
        now: this.now,
      });
      writeSocketToken(this.socketPath, this.ownerToken!); // before listen: clients need it
      const own = await listenPrivately(this.proc.server, this.socketPath, this.logger);
      this.socketWatch = new SocketWatch({
        path: this.socketPath,
        own,
        intervalMs: this.config().daemon.socketCheckIntervalMs,
        logger: this.logger,
        audit: this.audit,
        onLost: () => void this.stop().then(() => this.options.onStopped?.()),
      });
      this.socketWatch.start();
      checkKeys(this.database.keys, this.config());
      this.proc.jobs.start();
      this.database.embeddings.start();
      this.proc.checkpointer.start();
    } catch (err) {
      await this.http?.close();
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

  /**
   * The process scope. The audit log keeps its chain head in the database file in place
   * (opened just before), reached through `this.file` so a restore cannot strand it.
   */
  private async openProcessScope(): Promise<ProcessScope> {
    const { logger, redactor, gate, config, now } = this;
    const auditLog = await openAuditLog({
      config: config(),
      dataDir: this.dataDir,
      redactor,
      head: { get: () => this.file!.auditHead.get(), set: (h) => this.file!.auditHead.set(h) },
      pruning: {
        get: () => this.file!.auditPruning.get(),
        set: (p) => this.file!.auditPruning.set(p),
      },
      logger,
      clock: () => new Date(now()),
    });
    this.auditLog = auditLog;
    this.audit = auditLog;
    auditConfigWarnings(this.loaded.warnings, auditLog);
    this.insecure = reportInsecureTransport(config(), this.env, { logger, audit: auditLog });
    this.ownerToken = ensureOwnerToken(this.dataDir);
    return buildProcessScope({
      dataDir: this.dataDir,
      dbPath: this.dbPath,
      logger,
      redactor,
      gate,
      now,
      config,
      countingAudit: this.auditCounts,
      ownerToken: this.ownerToken,
      checkResults: this.options.checkResults ?? this.env.AISTACK_CHECK_RESULTS === '1',
      auditLog,
      audit: () => this.audit,
      file: () => this.file!,
      database: () => this.database,
      reopenDatabase: (swap) => this.reopenDatabase(swap),
    });
  }

  /** The database scope: every service that holds the connection of the file in place. */
  private buildDatabaseServices(): DatabaseScope {
    const proc = this.proc!;
    return buildDatabaseServices(this.file!, {
      config: this.config,
      audit: this.auditCounts,
      auditLog: proc.auditLog,
      logger: this.logger,
      redactor: this.redactor,
      now: this.now,
      env: this.env,
      dataDir: this.dataDir,
      providers: proc.providers,
      jobs: proc.jobs,
      backup: proc.backup,
      tokens: proc.tokens,
      dashboard: proc.dashboard,
      dispatcher: proc.dispatcher,
      system: {
        version: VERSION,
        startedAt: this.startedAt,
        socketPath: this.socketPath,
        dataDir: this.dataDir,
        dbPath: this.dbPath,
        configFile: this.loaded.file,
        requestCounts: () => proc.dispatcher.metrics.snapshot(),
        storage: () => proc.checkpointer.health(),
        keys: () => this.database?.keys.status() ?? [],
        insecureTransport: () => this.insecure,
        features: () => ({
          github: this.config().github.enabled,
          providers: proc.providers.defaultName !== undefined,
        }),
        connections: () => ({
          current: proc.server.connectionCount,
          max: this.config().daemon.maxConnections,
        }),
        http: () => this.http?.status() ?? describeHttp(this.config(), undefined, false),
        shutdown: () => void this.stop().then(() => this.options.onStopped?.()),
        reloadConfig: () => this.reload(),
      },
    });
  }

  /**
   * Swaps the database under the running daemon (a restore, which holds the request gate
   * meanwhile). From closing the old scope to opening the new one it is synchronous: no
   * request, job or timer runs between closing the old database and serving from the
   * new one. Plugins then start again under the approvals of the database now in place.
   */
  private async reopenDatabase(swap: DatabaseSwap) {
    // The read workers hold their own connections to the file: gone before it is swapped.
    await this.database!.reads.close();
    const pruningBeforeSwap = this.proc!.auditLog.pruning;
    stopDatabaseServices(this.database!);
    this.database = undefined;
    closeDatabaseFile(this.file!, this.logger);
    const open = () => openDatabaseFile({ path: this.dbPath, config: this.config() });
    let failure: unknown;
    try {
      swap.apply();
      this.file = open();
    } catch (err) {
      failure = err;
      this.logger.error(
        { err },
        'the restored database did not open; putting the previous one back',
      );
      swap.undo();
      this.file = open();
    }
    // The restored database holds an older chain head (and pruning record); the chain
    // continues from the files, and what was pruned or lost stays known.
    this.file.auditHead.set(this.proc!.auditLog.head);
    this.file.auditPruning.set(pruningBeforeSwap);
    this.database = this.buildDatabaseServices();
    this.database.embeddings.start(); // a new index, from the vectors of the database now in place
    await this.database.plugins.start();
    if (failure) {
      throw new AppError(
        'CONFLICT',
        `not restored: the restored database did not open (${(failure as Error).message}); the previous database is back in place`,
      );
    }
    return this.database.db;
  }

  /** Re-reads the config file; applies what can change live and reports the rest as needing a restart. */
  async reload(): Promise<ConfigReloadResult> {
    const { loaded, insecure, result } = reloadConfig({
      configPath: this.options.configPath,
      env: this.env,
      running: this.config(),
      insecure: this.insecure,
      logger: this.logger,
      redactor: this.redactor,
      audit: this.audit,
      proc: this.proc,
      embeddings: this.database?.embeddings.settings,
    });
    this.loaded = loaded;
    this.insecure = insecure;
    return result;
  }

  /**
   * Graceful stop. From the first moment new requests (and new connections) are answered
   * SHUTTING_DOWN, while the socket stays bound so no client mistakes a stopping daemon
   * for none and starts another; requests in flight get `daemon.shutdownGraceMs` to
   * finish, the rest are aborted and answered; then the socket and locks go.
   */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      this.logger?.info('aistackd stopping');
      const proc = this.proc;
      if (proc) {
        await closeFrontDoors({
          proc,
          http: this.http,
          abortTasks: () => this.database?.tasks.abortAll(),
          graceMs: this.config().daemon.shutdownGraceMs,
          logger: this.logger,
        });
        await this.database?.reads.close();
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
    if (this.ownerToken) removeSocketToken(this.socketPath, this.ownerToken);
    this.socketWatch?.stop();
    this.proc?.jobs.stop();
    this.proc?.checkpointer.stop();
    if (this.database) stopDatabaseServices(this.database);
    // Before the database closes: each audit record saves the chain head there.
    this.auditClosed = this.auditLog?.close();
    if (this.file) closeDatabaseFile(this.file, this.logger);
    for (const lock of this.locks.reverse()) lock.release();
    this.locks = [];
  }
}

export async function startDaemon(options: DaemonOptions = {}): Promise<Daemon> {
  const daemon = new Daemon(options);
  await daemon.start();
  return daemon;
}
