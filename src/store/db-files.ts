/**
 * Database files as files: a consistent snapshot copy of a live database (SQLite backup
 * API), and moving or removing a database together with the journals beside it. Used by
 * backups and restores; knows nothing of what the tables hold.
 */
import { chmodSync, closeSync, existsSync, openSync, renameSync, rmSync } from 'node:fs';
import Database from 'better-sqlite3';

/** Pages copied per event-loop turn: ~2 MiB at 4 KiB pages, a millisecond or two of work. */
const PAGES_PER_STEP = 500;

/** An ISO timestamp usable in a file name on every system (no colons). */
export const fileStamp = (ms: number) => new Date(ms).toISOString().replaceAll(/[:.]/g, '-');

/**
 * Makes a database file finished for use elsewhere: synced on every write from here on,
 * then VACUUMed, so no page of what was deleted from it stays in the file.
 */
export function compactDatabase(db: Database.Database): void {
  db.pragma('synchronous = FULL');
  db.exec('VACUUM');
}

/**
 * Opens the database file at `path` (one of our own, not being served), runs `edit` on it
 * with foreign keys enforced, compacts it and closes it; returns what `edit` returned and
 * the file's pages after.
 */
export function editDatabaseFile<T>(
  path: string,
  edit: (db: Database.Database) => T,
): { result: T; pages: number } {
  const db = new Database(path, { fileMustExist: true });
  try {
    db.pragma('foreign_keys = ON');
    const result = edit(db);
    compactDatabase(db);
    return { result, pages: db.pragma('page_count', { simple: true }) as number };
  } finally {
    db.close();
  }
}

/** Removes a database file and any journal SQLite left beside it. */
export function removeDatabaseFiles(path: string): void {
  for (const suffix of ['', '-wal', '-shm', '-journal']) rmSync(path + suffix, { force: true });
}

/** Renames a database and its WAL (if one survived the close); drops its shared-memory file. */
export function moveDatabase(from: string, to: string): void {
  renameSync(from, to);
  chmodSync(to, 0o600);
  if (existsSync(`${from}-wal`)) renameSync(`${from}-wal`, `${to}-wal`);
  rmSync(`${from}-shm`, { force: true });
}

/**
 * Copies the database at `source` into `dest` — a new file, created 0600 — as one
 * consistent snapshot, and leaves the copy in rollback-journal mode: a single
 * self-contained file that opens read-only without a -wal or -shm appearing beside it.
 * The copy runs in steps between event-loop turns, so the daemon keeps answering.
 */
export async function snapshotCopy(source: string, dest: string): Promise<{ pages: number }> {
  const src = new Database(source, { readonly: true, fileMustExist: true });
  let created = false;
  try {
    src.pragma('busy_timeout = 2000');
    // One read transaction across every step: the copy is the database as of this moment,
    // and the copy is not restarted when the daemon's own connection commits meanwhile.
    src.exec('BEGIN');
    src.prepare('SELECT count(*) FROM sqlite_schema').get();
    closeSync(openSync(dest, 'wx', 0o600));
    created = true;
    const { totalPages } = await src.backup(dest, { progress: () => PAGES_PER_STEP });
    src.exec('COMMIT');
    const copy = new Database(dest, { fileMustExist: true });
    try {
      copy.pragma('journal_mode = DELETE');
    } finally {
      copy.close();
    }
    return { pages: totalPages };
  } catch (err) {
    if (created) removeDatabaseFiles(dest);
    throw err;
  } finally {
    src.close();
  }
}
