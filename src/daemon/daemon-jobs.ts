/**
 * The daemon's scheduled jobs, as specs for the JobRunner. Jobs outlive a database
 * restore and a config reload, so each run looks up the current services and the current
 * config through getters instead of holding on to the ones that existed when it was
 * scheduled. Which jobs run and when (enabled, schedule) is read once, at start.
 */
import type { Config } from '../config/schema.js';
import type { JobResult } from '../protocol/job.js';
import { PROVIDER_NAMES } from '../protocol/provider.js';
import type { AuditSink } from '../services/audit/audit-sink.js';
import type { AuditLog } from '../services/audit/audit-log.js';
import type { BackupService } from '../services/backup/backup.js';
import { JobRunner } from '../services/jobs/jobs.js';
import type { KeyLedger } from '../services/providers/key-ledger.js';
import type { SessionService } from '../services/access/sessions.js';
import type { MemoryService } from '../services/memory/memory.js';
import type { Logger } from 'pino';

export interface JobDeps {
  /** The running config; read at each run, so a reload reaches the next run. */
  config: () => Config;
  audit: AuditSink;
  logger: Logger;
  now: () => number;
  sessions: () => SessionService;
  keys: () => KeyLedger;
  auditLog: () => AuditLog;
  backup: () => BackupService;
  memory: () => MemoryService;
}

/** Records each configured provider key's fingerprint and reports the ones due for rotation. */
export function checkKeys(keys: KeyLedger, config: Config) {
  const configured = PROVIDER_NAMES.map((provider) => ({
    provider,
    apiKey: config.providers[provider]?.apiKey,
  }));
  const statuses = keys.check(configured, config.security.keyRotationDays);
  return {
    keys: statuses.length,
    rotationDue: statuses.filter((k) => k.rotationDue).map((k) => k.provider),
  };
}

export function buildJobs(deps: JobDeps): JobRunner<JobResult> {
  const j = deps.config().jobs; // schedules: fixed until a restart
  return new JobRunner<JobResult>(
    [
      {
        name: 'sessions.cleanup',
        description: 'End sessions idle longer than their timeout.',
        ...j.sessionsCleanup,
        run: () => ({ ended: deps.sessions().cleanupIdle() }),
      },
      {
        name: 'keys.reminder',
        description: 'Record key fingerprints; warn about keys older than the rotation period.',
        ...j.keysReminder,
        run: () => checkKeys(deps.keys(), deps.config()),
      },
      {
        name: 'audit.rotate',
        description:
          'Prune audit files past audit.retentionDays, verify the chain and report its files (rotation happens as it writes).',
        ...j.auditRotate,
        run: () => {
          const log = deps.auditLog();
          log.prune();
          const result = log.verify();
          if (!result.ok) {
            deps.audit.record('audit.chain_broken', { ...result });
            throw new Error(
              result.file
                ? `audit chain broken at ${result.file}:${result.line ?? '?'}: ${result.reason}`
                : `audit chain broken: ${result.reason}`,
            );
          }
          return { records: result.records, files: log.files().length };
        },
      },
      {
        name: 'memory.historyPrune',
        description: "Trim every entry's kept versions to memory.history.keep.",
        ...j.memoryHistoryPrune,
        run: () => ({ pruned: deps.memory().pruneHistory(deps.config().memory.history.keep) }),
      },
      {
        name: 'memory.expire',
        description:
          'Delete expired entries (as deletes: history, links, tombstones) and forget old deletions.',
        ...j.memoryExpire,
        run: () => deps.memory().expire(deps.config().memory.changes.retentionDays),
      },
      {
        name: 'backup',
        description: 'Online backup of the database into <dataDir>/backups.',
        enabled: j.backup.enabled,
        schedule: j.backup.schedule,
        run: () => {
          const { keep, includeSessions } = deps.config().jobs.backup;
          return deps.backup().backupNow({ keep, includeSessions });
        },
      },
    ],
    { audit: deps.audit, logger: deps.logger, now: deps.now },
  );
}
