/**
 * Which settings a SIGHUP reload applies to the running daemon, and how it says what
 * changed. Everything else (paths, storage, job schedules, plugins on/off, embeddings,
 * audit rotation, the socket check interval, the HTTP listener) waits for a restart, and the reload says so
 * by name.
 */
import { diffConfig } from '../config/diff.js';
import type { Logger } from 'pino';
import { AppError } from '../core/errors.js';
import { loadConfig, type LoadedConfig } from '../config/load.js';
import type { Config } from '../config/schema.js';
import type { Redactor } from '../config/secrets.js';
import type { InsecureTransport } from '../config/transport-security.js';
import { CONFIG_CHANGED_NOTIFICATION } from '../protocol/system.js';
import type { AuditSink } from '../services/audit/audit-sink.js';
import {
  withEmbeddingModel,
  type EmbeddingSettings,
} from '../services/embeddings/embedding-settings.js';
import type { ConfigReloadResult } from '../services/system/system.js';
import type { ProcessScope } from './process-scope.js';
import { reportInsecureTransport } from './transport-warnings.js';

const LIVE_PATHS = new Set([
  'logging.level',
  'daemon.maxConnections',
  'daemon.maxLineBytes',
  'daemon.shutdownGraceMs',
  'daemon.requestTimeoutMs',
  'daemon.replyBudgetBytes',
  'daemon.maxBatchLength',
  'daemon.maxInFlightPerConnection',
  'daemon.idleTimeoutMs',
  'daemon.partialLineTimeoutMs',
  'daemon.refusalWindowMs',
  'daemon.refusalSlowAfter',
  'daemon.refusalCloseAfter',
  'daemon.refusalDelayStepMs',
  'daemon.queryTimeoutMs',
  'github.enabled',
  'github.reason',
  'github.ghPath',
  'github.timeoutMs',
  'github.maxOutputBytes',
  'plugins.callTimeoutMs',
  'tasks.timeoutMs',
  'tasks.memoryResults',
  'tasks.maxOutputBytes',
  'defaultProvider',
  // Read when used: by the key-reminder and backup jobs at each run, by each new session,
  // and by `aistack doctor`, which reads the file itself.
  'security.keyRotationDays',
  'security.maxBackupAgeDays',
  'jobs.backup.keep',
  'jobs.backup.includeSessions',
  'sessions.idleTimeoutMinutes',
  // Read on every HTTP request; the listener itself (enabled, host, port, tls, cors, body
  // limit, rate-limit window) binds once and needs a restart.
  'http.allowedHosts',
  'http.allowedOrigins',
  'http.rateLimit.max',
  // Read at each MCP initialize and each idle sweep.
  'http.mcp.maxSessionsPerToken',
  'http.mcp.idleTimeoutMinutes',
]);
const LIVE_PREFIXES = ['providers.', 'agents.'];

const isLive = (path: string) =>
  LIVE_PATHS.has(path) || LIVE_PREFIXES.some((p) => path.startsWith(p));

export function configChanges(before: Config, after: Config) {
  return diffConfig(before, after).map((c) => ({ ...c, appliedLive: isLive(c.path) }));
}

export function reloadMessage(changed: ReturnType<typeof configChanges>): string {
  if (changed.length === 0) return 'config reloaded: nothing changed';
  const restart = changed.filter((c) => !c.appliedLive).map((c) => c.path);
  const list = changed.map((c) => `${c.path} ${JSON.stringify(c.from)} → ${JSON.stringify(c.to)}`);
  return (
    `config reloaded: ${list.join(', ')}` +
    (restart.length ? ` (restart to apply ${restart.join(', ')})` : '')
  );
}

export interface ReloadInputs {
  configPath: string | undefined;
  env: NodeJS.ProcessEnv;
  running: Config;
  insecure: InsecureTransport[];
  logger: Logger;
  redactor: Redactor;
  audit: AuditSink;
  proc: ProcessScope | undefined;
  embeddings: EmbeddingSettings | undefined;
}

/**
 * `config reload`: reads the file again and applies what can change live — secrets to the
 * redactor, providers, the log level, the socket's and the connections' limits — then tells
 * watchers (the MCP shim's tool list) when anything changed. A file that does not load
 * leaves the running configuration in place (CONFLICT). What needs a restart is reported.
 */
export function reloadConfig(i: ReloadInputs): {
  loaded: LoadedConfig;
  insecure: InsecureTransport[];
  result: ConfigReloadResult;
} {
  let next: LoadedConfig;
  try {
    next = loadConfig({ flag: i.configPath, env: i.env });
  } catch (err) {
    i.logger.error({ err }, 'config reload failed; keeping the running configuration');
    throw new AppError('CONFLICT', `config not reloaded: ${(err as Error).message}`);
  }
  const changed = configChanges(i.running, next.config);
  next.secrets.forEach((s) => i.redactor.addSecret(s));
  for (const w of next.warnings) i.logger.warn({ file: w.file, fields: w.fields }, w.message);
  auditConfigWarnings(next.warnings, i.audit);
  const insecure = reportInsecureTransport(next.config, i.env, {
    logger: i.logger,
    audit: i.audit,
    previous: i.insecure,
  });
  i.proc?.providers.reload(withEmbeddingModel(next.config, i.embeddings));
  i.logger.level = next.config.logging.level;
  i.proc?.server.setLimits(next.config.daemon);
  i.proc?.dispatcher.guard.setLimits(next.config.daemon);
  const needsRestart = changed.filter((c) => !c.appliedLive).map((c) => c.path);
  i.logger.info({ changed, needsRestart }, reloadMessage(changed));
  if (changed.length) i.proc?.dispatcher.notifyWatchers(CONFIG_CHANGED_NOTIFICATION, {});
  return { loaded: next, insecure, result: { file: next.file ?? null, changed } };
}

/** One audit record per config file whose permissions put a secret at risk. */
export function auditConfigWarnings(warnings: LoadedConfig['warnings'], audit: AuditSink): void {
  for (const w of warnings) {
    audit.record('config.permission_warning', { code: w.code, file: w.file, fields: w.fields });
  }
}
