/**
 * Which settings a SIGHUP reload applies to the running daemon, and how it says what
 * changed. Everything else (paths, storage, job schedules, plugins on/off, embeddings,
 * audit rotation, the socket check interval, the HTTP listener) waits for a restart, and the reload says so
 * by name.
 */
import { diffConfig } from '../config/diff.js';
import type { Config } from '../config/schema.js';

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
