/**
 * `system.doctor`'s backup checks, on the newest backup in `<dataDir>/backups`: its age
 * against the limit and the backup job's schedule (and that job's last result), the
 * modes of every backup (0600, ours), that the newest one verifies (in a worker, within
 * a time limit), and whether it holds session-private data, which by default it must not.
 */
import { lstatSync, readdirSync, type Stats } from 'node:fs';
import { join } from 'node:path';
import type { DoctorCheck } from '../../protocol/doctor.js';
import type { VerifyJob, VerifyOutcome } from '../backup/backup-verify-async.js';

const DAY_MS = 86_400_000;
/** At most this many backups are looked at for their modes (the job keeps at most 365). */
const MAX_FILES = 1000;

export interface BackupCheckInputs {
  dir: string;
  now: number;
  uid: number | null;
  maxAgeDays: number;
  job: {
    enabled: boolean;
    schedule: string;
    includeSessions: boolean;
    lastRun: { ok: boolean; finishedAt: string; error?: string | undefined } | null;
    nextRun: string | null;
  };
  verify(job: VerifyJob): Promise<VerifyOutcome>;
}

const pass = (name: string, detail: string): DoctorCheck => ({
  name,
  status: 'PASS',
  detail,
  fix: null,
});
const octal = (mode: number) => (mode & 0o777).toString(8).padStart(4, '0');
const MAKE_ONE = 'aistack backup (and schedule it: "jobs": {"backup": {"enabled": true}})';

function age(ms: number): string {
  const days = ms / DAY_MS;
  return days < 1 ? `${Math.round(days * 24)} h` : `${days.toFixed(1)} days`;
}

/** The backups, newest last, with their stats (symlinks included, to be reported). */
function listBackups(dir: string): { path: string; st: Stats }[] {
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => n.endsWith('.db'));
  } catch {
    return [];
  }
  return names
    .slice(0, MAX_FILES)
    .flatMap((n) => {
      try {
        return [{ path: join(dir, n), st: lstatSync(join(dir, n)) }];
      } catch {
        return []; // pruned meanwhile
      }
    })
    .sort((a, b) => a.st.mtimeMs - b.st.mtimeMs || a.path.localeCompare(b.path));
}

function ageCheck(i: BackupCheckInputs, newest: { path: string; st: Stats } | undefined) {
  const schedule = i.job.enabled
    ? `the backup job runs on "${i.job.schedule}"${i.job.nextRun ? ` (next ${i.job.nextRun})` : ''}`
    : 'the backup job is off';
  if (i.job.enabled && i.job.lastRun && !i.job.lastRun.ok)
    return {
      name: 'backup',
      status: 'WARN' as const,
      detail: `the backup job's last run (${i.job.lastRun.finishedAt}) failed: ${i.job.lastRun.error ?? 'no reason given'}`,
      fix: 'fix what the error says (disk space, permissions of <dataDir>/backups), then aistack jobs run backup',
    };
  if (!newest)
    return {
      name: 'backup',
      status: 'WARN' as const,
      detail: `no backup in ${i.dir}; ${schedule}`,
      fix: `make one now: ${MAKE_ONE}`,
    };
  const ms = i.now - newest.st.mtimeMs;
  if (ms > i.maxAgeDays * DAY_MS)
    return {
      name: 'backup',
      status: 'WARN' as const,
      detail: `the newest backup is ${age(ms)} old (limit security.maxBackupAgeDays = ${i.maxAgeDays}); ${schedule}`,
      fix: i.job.enabled
        ? 'the schedule is not producing backups: check aistack jobs list and the daemon log, then aistack backup'
        : `make one now: ${MAKE_ONE}`,
    };
  return pass(
    'backup',
    `the newest backup is ${age(ms)} old (limit ${i.maxAgeDays} days); ${schedule}`,
  );
}

function modeCheck(i: BackupCheckInputs, all: { path: string; st: Stats }[]): DoctorCheck {
  const bad = all.flatMap(({ path, st }) => {
    if (st.isSymbolicLink()) return [`${path} is a symlink`];
    if (!st.isFile()) return [`${path} is not a regular file`];
    if (i.uid !== null && st.uid !== i.uid) return [`${path} belongs to uid ${st.uid}`];
    if (st.mode & 0o077) return [`${path} is ${octal(st.mode)}`];
    return [];
  });
  if (bad.length > 0)
    return {
      name: 'backup-mode',
      status: 'FAIL',
      detail: `${bad.slice(0, 5).join('; ')}${bad.length > 5 ? `; and ${bad.length - 5} more` : ''}: a backup holds the whole store`,
      fix: `chmod 600 ${i.dir}/*.db (and chown them to the daemon's user); remove what is not a backup`,
    };
  return pass(
    'backup-mode',
    all.length ? `all ${all.length} backups are 0600 and the daemon's` : 'no backups to check',
  );
}

export async function backupChecks(i: BackupCheckInputs): Promise<DoctorCheck[]> {
  const all = listBackups(i.dir);
  const newest = all.filter((b) => b.st.isFile()).at(-1);
  const checks: DoctorCheck[] = [ageCheck(i, newest), modeCheck(i, all)];
  if (!newest) {
    checks.push(pass('backup-verify', 'no backup to verify'));
    checks.push(pass('backup-sessions', 'no backup to look into'));
    return checks;
  }
  const outcome = await i.verify({ path: newest.path, bytes: newest.st.size });
  if ('timedOut' in outcome) {
    checks.push({
      name: 'backup-verify',
      status: 'WARN',
      detail: `verifying ${newest.path} (${newest.st.size} bytes) took longer than ${outcome.limitMs / 1000} s and was stopped`,
      fix: `verify it without a time limit: aistack backup verify ${newest.path}`,
    });
    return checks;
  }
  checks.push(
    outcome.ok
      ? pass('backup-verify', `${newest.path} verifies (integrity, schema)`)
      : {
          name: 'backup-verify',
          status: 'FAIL',
          detail: `${newest.path} does not verify: ${outcome.problems.join('; ')}`,
          fix: `make a new backup (aistack backup), then find out what damaged this one: aistack backup verify ${newest.path}`,
        },
  );
  const s = outcome.sessions;
  if (s && (s.sessions > 0 || s.entries > 0)) {
    checks.push({
      name: 'backup-sessions',
      status: 'WARN',
      detail: `${newest.path} holds session-private data: ${s.sessions} session(s) with their token hashes, ${s.entries} entry(ies) of session:* namespaces`,
      fix: i.job.includeSessions
        ? 'set jobs.backup.includeSessions to false unless you need sessions restored, and keep such files as private as the database'
        : 'it was made with --include-sessions: delete it once no longer needed, and make backups without it (aistack backup)',
    });
  } else if (s) {
    checks.push(pass('backup-sessions', `${newest.path} holds no session-private data`));
  } else {
    checks.push({
      name: 'backup-sessions',
      status: 'WARN',
      detail: `could not look into ${newest.path} (see backup-verify)`,
      fix: 'make a new backup: aistack backup',
    });
  }
  return checks;
}
