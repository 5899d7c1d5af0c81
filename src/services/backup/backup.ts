/**
 * Online backups and restores of the daemon's database.
 *
 * A backup is a snapshot: it copies (SQLite backup API, a few hundred pages per event-loop
 * turn) from a second, read-only connection that holds one read transaction, so it is the
 * database exactly as it was when the backup started while clients keep writing through
 * the daemon's own connection. It is written to a temp file (0600) next to the target,
 * switched to a rollback journal (a self-contained file, no -wal beside it), trimmed of
 * every session unless asked (`includeSessions`; `session-private.ts`), then linked into
 * place — an existing file is never replaced unless asked (`force`).
 *
 * A restore copies the candidate into the data dir first (so the file checked is the file
 * read, whatever happens to the original meanwhile), verifies that copy, rebuilds a new
 * database from its rows, and only then asks the daemon to swap that in with requests
 * held at the gate (`backup-restore.ts`).
 */
import { checkOnlyYouWrite, checkReplaceable, UnsafeFileError } from '../../core/private-file.js';
import { randomBytes } from 'node:crypto';
import { linkSync, lstatSync, readdirSync, renameSync, rmSync, type Stats } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { Logger } from 'pino';
import { ensurePrivateDir } from '../../core/private-dir.js';
import { AppError } from '../../core/errors.js';
import type { RequestGate } from '../../core/request-gate.js';
import { fileStamp, removeDatabaseFiles, snapshotCopy } from '../../store/db-files.js';
import type { Migration } from '../../store/migrations.js';
import type { AuditSink } from '../audit/audit-sink.js';
import { verifyDatabaseFile, type VerifyResult } from './backup-verify.js';
import { restoreInto, type ReopenDatabase, type RestoreResult } from './backup-restore.js';
import { leaveSessionsOut, type LeftOutSessions } from './session-private.js';

export interface BackupDeps {
  dataDir: string;
  dbPath: string;
  audit: AuditSink;
  gate: RequestGate;
  migrations: readonly Migration[];
  /** The daemon's: close the database, run the swap, reopen, rebuild what holds it. */
  reopenDatabase: ReopenDatabase;
  now?: () => number;
  logger?: Logger;
}

export interface BackupResult {
  path: string;
  bytes: number;
  pages: number;
  /** Whether the sessions (their rows, entries, agents and tasks) are in the file. */
  includeSessions: boolean;
  /** What was left out of the file (all 0 with `includeSessions`). */
  leftOut: LeftOutSessions;
  durationMs: number;
}

export interface BackupOptions {
  /** Replace `out` if it exists. */
  force?: boolean;
  /** Keep the sessions in the file (default: left out). */
  includeSessions?: boolean;
}

const NOTHING_LEFT_OUT: LeftOutSessions = { sessions: 0, entries: 0, agents: 0, tasks: 0 };

/** `aistack-<stamp>.db`, or `aistack-<stamp>-<n>.db` when two fall in the same millisecond. */
const BACKUP_NAME = /^aistack-(\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d-\d{3}Z)(?:-(\d+))?\.db$/;

/** Oldest first: by timestamp, then by the same-millisecond counter. */
function byAge(a: string, b: string): number {
  const ma = BACKUP_NAME.exec(a)!;
  const mb = BACKUP_NAME.exec(b)!;
  return ma[1]! === mb[1]! ? Number(ma[2] ?? 0) - Number(mb[2] ?? 0) : ma[1]! < mb[1]! ? -1 : 1;
}

/** Why a backup file could not be written, as opposed to a failure of the daemon itself. */
const UNWRITABLE = new Set([
  'ENOENT',
  'EACCES',
  'EPERM',
  'ENOTDIR',
  'EROFS',
  'ENOSPC',
  'EDQUOT',
  'SQLITE_CANTOPEN',
  'SQLITE_FULL',
  'SQLITE_READONLY',
]);

const tempSibling = (path: string, tag: string) =>
  join(dirname(path), `.${basename(path)}.${tag}-${randomBytes(6).toString('hex')}.tmp`);

function regularFile(path: string, what: string): number {
  let st;
  try {
    st = lstatSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT')
      throw new AppError('NOT_FOUND', `${what} ${path} not found`);
    throw new AppError('CONFLICT', `${what} ${path} cannot be read: ${(err as Error).message}`);
  }
  if (!st.isFile()) throw new AppError('CONFLICT', `${what} ${path} is not a regular file`);
  return st.size;
}

export class BackupService {
  private restoring = false;
  private readonly now: () => number;

  constructor(private readonly deps: BackupDeps) {
    this.now = deps.now ?? Date.now;
  }

  get backupsDir(): string {
    return join(this.deps.dataDir, 'backups');
  }

  /**
   * An online backup into `out` (default `<dataDir>/backups/aistack-<timestamp>.db`), for
   * a request: it runs inside the gate already (see request-gate.ts).
   */
  backupTo(out?: string, options: BackupOptions = {}): Promise<BackupResult> {
    return this.create(out, options);
  }

  /** The scheduled job's backup: a new file in `<dataDir>/backups`, keeping the newest `keep`. */
  async backupNow(options: {
    keep: number;
    includeSessions?: boolean;
  }): Promise<BackupResult & { pruned: string[] }> {
    // A job is not a request: it passes the gate like one, so no restore swaps the file under it.
    const result = await this.deps.gate.run(() =>
      this.create(undefined, { includeSessions: options.includeSessions }),
    );
    return { ...result, pruned: this.prune(options.keep) };
  }

  /** The newest backup in `<dataDir>/backups` (for `doctor`'s backup age), or null. */
  latest(): { path: string; at: string; bytes: number } | null {
    const name = this.listBackups().at(-1);
    if (!name) return null;
    const st = lstatSync(join(this.backupsDir, name));
    return { path: join(this.backupsDir, name), at: st.mtime.toISOString(), bytes: st.size };
  }

  verify(file: string): VerifyResult {
    const bytes = regularFile(file, 'backup file');
    return verifyDatabaseFile(file, this.deps.migrations, bytes);
  }

  /** Verifies `file`, then swaps it in as the live database (the old one is kept beside it). */
  async restore(file: string): Promise<RestoreResult> {
    const mine = !this.restoring;
    try {
      if (!mine) throw new AppError('CONFLICT', 'a restore is already running');
      this.restoring = true;
      const bytes = regularFile(file, 'backup file');
      return await restoreInto({ ...this.deps, now: this.now, file, bytes });
    } catch (err) {
      this.deps.audit.record('backup.restore_refused', {
        file,
        code: err instanceof AppError ? err.code : 'INTERNAL',
        reason: (err as Error).message,
      });
      throw err;
    } finally {
      if (mine) this.restoring = false;
    }
  }

  private async create(out: string | undefined, options: BackupOptions): Promise<BackupResult> {
    const started = performance.now();
    const force = options.force ?? false;
    const includeSessions = options.includeSessions ?? false;
    if (!out) {
      try {
        ensurePrivateDir(this.backupsDir, 'backups directory');
      } catch (err) {
        throw this.refuse(this.backupsDir, (err as Error).message);
      }
    }
    const path = out ?? this.newBackupName();
    const existing = statOrUndefined(path);
    if (existing && !force) {
      throw this.refuse(
        path,
        `${path} already exists; choose another file or pass force (--force)`,
      );
    }
    try {
      // Never through a symlink, never over a file others may read, never in a directory
      // where someone else could plant one under the temp file's or the target's name.
      if (out) checkOnlyYouWrite(dirname(path), 'backup');
      if (existing) checkReplaceable(path, { what: 'backup' });
    } catch (err) {
      if (err instanceof UnsafeFileError) throw this.refuse(path, err.message);
      throw err;
    }
    const tmp = tempSibling(path, 'backup');
    let pages: number;
    try {
      ({ pages } = await snapshotCopy(this.deps.dbPath, tmp));
    } catch (err) {
      if (UNWRITABLE.has((err as NodeJS.ErrnoException).code ?? ''))
        throw this.refuse(path, `cannot write to ${dirname(path)}: ${(err as Error).message}`);
      throw err;
    }
    let leftOut = NOTHING_LEFT_OUT;
    if (!includeSessions) {
      try {
        ({ leftOut, pages } = leaveSessionsOut(tmp));
      } catch (err) {
        removeDatabaseFiles(tmp);
        if (UNWRITABLE.has((err as NodeJS.ErrnoException).code ?? ''))
          throw this.refuse(path, `cannot write to ${dirname(path)}: ${(err as Error).message}`);
        throw err;
      }
    }
    try {
      if (force) renameSync(tmp, path);
      else {
        // link() fails if the target appeared meanwhile: no check-then-write race.
        linkSync(tmp, path);
        rmSync(tmp);
      }
    } catch (err) {
      removeDatabaseFiles(tmp);
      if ((err as NodeJS.ErrnoException).code === 'EEXIST')
        throw this.refuse(
          path,
          `${path} already exists; choose another file or pass force (--force)`,
        );
      throw err;
    }
    const result: BackupResult = {
      path,
      bytes: lstatSync(path).size,
      pages,
      includeSessions,
      leftOut,
      durationMs: Math.round(performance.now() - started),
    };
    this.deps.audit.record('backup.created', { ...result });
    this.deps.logger?.info(result, 'database backup written');
    return result;
  }

  private refuse(path: string, reason: string): AppError {
    this.deps.audit.record('backup.refused', { path, reason });
    return new AppError('CONFLICT', `backup not written: ${reason}`);
  }

  private newBackupName(): string {
    const stamp = fileStamp(this.now());
    for (let n = 0; ; n++) {
      const path = join(
        this.backupsDir,
        n === 0 ? `aistack-${stamp}.db` : `aistack-${stamp}-${n}.db`,
      );
      if (!exists(path)) return path;
    }
  }

  /** Backups this service named, oldest first. */
  private listBackups(): string[] {
    try {
      return readdirSync(this.backupsDir)
        .filter((n) => BACKUP_NAME.test(n))
        .sort(byAge);
    } catch {
      return [];
    }
  }

  /** Deletes all but the newest `keep` backups that this service named (nothing else there). */
  private prune(keep: number): string[] {
    const names = this.listBackups();
    const doomed = names.slice(0, Math.max(0, names.length - keep));
    for (const name of doomed) rmSync(join(this.backupsDir, name), { force: true });
    if (doomed.length > 0) this.deps.audit.record('backup.pruned', { deleted: doomed, keep });
    return doomed.map((n) => join(this.backupsDir, n));
  }
}

function statOrUndefined(path: string): Stats | undefined {
  try {
    return lstatSync(path);
  } catch {
    return undefined;
  }
}

const exists = (path: string) => statOrUndefined(path) !== undefined;
