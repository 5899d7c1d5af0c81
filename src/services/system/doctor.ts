/**
 * `system.doctor`: the checklist items only the daemon can judge, each PASS, WARN or FAIL
 * with a fix — audit-log anomalies against the usual rate (doctor-anomalies.ts), the
 * Node.js, SQLite and native module it runs on (doctor-deps.ts), and its backups
 * (doctor-backups.ts). A marked run (the CLI's `aistack doctor`) starts the next anomaly
 * window; the dashboard's unmarked polling does not move it. The mark lives in memory:
 * after a restart the window is the last 24 hours again.
 */
import { statSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../../config/schema.js';
import type { DoctorCheck } from '../../protocol/doctor.js';
import {
  verifyInWorker,
  type VerifyJob,
  type VerifyOutcome,
} from '../backup/backup-verify-async.js';
import { anomalyCheck } from './doctor-anomalies.js';
import { scanAudit } from './doctor-audit-scan.js';
import { backupChecks } from './doctor-backups.js';
import { addonFacts, nativeModuleCheck, nodeEolCheck, sqliteCheck } from './doctor-deps.js';

const HOUR_MS = 3_600_000;
const WINDOW_MAX_MS = 24 * HOUR_MS;
const BASELINE_MS = 7 * 24 * HOUR_MS;
/** The most of the audit log one run reads (newest first). */
const AUDIT_MAX_BYTES = 64 * 1048576;
/** The longest a backup's verification may take before it is stopped. */
const VERIFY_LIMIT_MS = 20_000;

interface BackupJob {
  name: string;
  lastRun: { ok: boolean; finishedAt: string; error?: string | undefined } | null;
  nextRun: string | null;
}

export interface DoctorDeps {
  dataDir: string;
  config: () => Config;
  now: () => number;
  jobs: () => BackupJob[];
  /** `SELECT sqlite_version()` on the daemon's connection. */
  sqliteVersion: () => string;
  /** Tests: a smaller budget or limit. */
  auditMaxBytes?: number;
  verifyLimitMs?: number;
  verify?: (job: VerifyJob, limitMs: number) => Promise<VerifyOutcome>;
}

export interface DoctorReport {
  checks: DoctorCheck[];
  anomalyWindow: { since: string; until: string; from: 'last-run' | '24h' };
  durationMs: number;
}

/** Verifications remembered per file identity: the dashboard asks every 15 s. */
const MAX_REMEMBERED = 16;

export class DoctorService {
  private lastMarkedRun: number | undefined;
  private readonly verified = new Map<string, VerifyOutcome>();

  constructor(private readonly deps: DoctorDeps) {}

  async run({ mark }: { mark: boolean }): Promise<DoctorReport> {
    const started = Date.now();
    const d = this.deps;
    const now = d.now();
    const fromLastRun =
      this.lastMarkedRun !== undefined && now - this.lastMarkedRun < WINDOW_MAX_MS;
    const since = fromLastRun ? this.lastMarkedRun! : now - WINDOW_MAX_MS;
    if (mark) this.lastMarkedRun = now;

    const scan = await scanAudit({
      dir: join(d.dataDir, 'audit'),
      since,
      baselineFrom: since - BASELINE_MS,
      maxBytes: d.auditMaxBytes ?? AUDIT_MAX_BYTES,
    });
    const config = d.config();
    const backupJob = d.jobs().find((j) => j.name === 'backup');
    const limitMs = d.verifyLimitMs ?? VERIFY_LIMIT_MS;
    const verify = d.verify ?? verifyInWorker;
    const checks: DoctorCheck[] = [
      anomalyCheck(scan, { since, until: now, baselineFrom: since - BASELINE_MS }),
      nodeEolCheck(process.versions.node, now),
      sqliteCheck(d.sqliteVersion(), addonFacts().betterSqlite),
      nativeModuleCheck(addonFacts()),
      ...(await backupChecks({
        dir: join(d.dataDir, 'backups'),
        now,
        uid: process.getuid?.() ?? null,
        maxAgeDays: config.security.maxBackupAgeDays,
        job: {
          enabled: config.jobs.backup.enabled,
          schedule: config.jobs.backup.schedule,
          includeSessions: config.jobs.backup.includeSessions,
          lastRun: backupJob?.lastRun ?? null,
          nextRun: backupJob?.nextRun ?? null,
        },
        verify: (job) => this.verifyOnce(job, (j) => verify(j, limitMs)),
      })),
    ];
    return {
      checks,
      anomalyWindow: {
        since: new Date(since).toISOString(),
        until: new Date(now).toISOString(),
        from: fromLastRun ? 'last-run' : '24h',
      },
      durationMs: Date.now() - started,
    };
  }

  /**
   * A file already verified and unchanged since (same inode, size, mtime and ctime) is not
   * verified again; a time-out is not remembered, so the next run tries again.
   */
  private async verifyOnce(
    job: VerifyJob,
    verify: (job: VerifyJob) => Promise<VerifyOutcome>,
  ): Promise<VerifyOutcome> {
    let key: string;
    try {
      const st = statSync(job.path);
      key = `${job.path}\0${st.ino}\0${st.size}\0${st.mtimeMs}\0${st.ctimeMs}`;
    } catch {
      return verify(job);
    }
    const known = this.verified.get(key);
    if (known) return known;
    const outcome = await verify(job);
    if (!('timedOut' in outcome)) {
      if (this.verified.size >= MAX_REMEMBERED) this.verified.clear();
      this.verified.set(key, outcome);
    }
    return outcome;
  }
}
