/**
 * Opening the database: the file is created 0600 before SQLite sees it, WAL mode, and
 * every durability-relevant pragma set explicitly rather than left to build defaults.
 *
 * What survives what (README, "Durability"): in WAL mode a transaction is in the WAL
 * file when `memory.store` answers, so a crash or `kill -9` of the daemon loses nothing
 * acknowledged. With `synchronous=NORMAL` (default) a power loss or kernel crash can
 * lose the last transactions since the previous checkpoint but never corrupts the file;
 * `storage.synchronous: "full"` fsyncs every commit and loses nothing acknowledged.
 */
import { closeSync, openSync } from 'node:fs';
import Database from 'better-sqlite3';
import { runMigrations, type Migration } from './migrations.js';

export interface OpenOptions {
  path: string;
  synchronous: 'normal' | 'full';
  busyTimeoutMs: number;
  migrations: readonly Migration[];
}

export function openDatabase(options: OpenOptions): Database.Database {
  closeSync(openSync(options.path, 'a', 0o600));
  const db = new Database(options.path);
  try {
    db.pragma('journal_mode = WAL');
    db.pragma(`synchronous = ${options.synchronous === 'full' ? 'FULL' : 'NORMAL'}`);
    db.pragma(`busy_timeout = ${Math.trunc(options.busyTimeoutMs)}`);
    db.pragma('foreign_keys = ON');
    db.pragma('temp_store = MEMORY');
    db.pragma('cache_size = -32000');
    runMigrations(db, options.migrations);
  } catch (err) {
    db.close();
    throw err;
  }
  return db;
}

/** Checkpoints and truncates the WAL, then closes; used on graceful shutdown. */
export function closeDatabase(db: Database.Database): void {
  if (!db.open) return;
  try {
    db.pragma('wal_checkpoint(TRUNCATE)');
    db.pragma('optimize');
  } finally {
    db.close();
  }
}

/**
 * A read-only connection to the daemon's database, for a read pool worker: WAL lets it
 * read beside the daemon's writer (each read sees the last commit before it began), and
 * SQLite refuses any write through it. The file must exist (the daemon opened it first).
 */
export function openReadOnlyDatabase(options: {
  path: string;
  busyTimeoutMs: number;
}): Database.Database {
  const db = new Database(options.path, { readonly: true, fileMustExist: true });
  try {
    db.pragma(`busy_timeout = ${Math.trunc(options.busyTimeoutMs)}`);
    db.pragma('temp_store = MEMORY');
    db.pragma('cache_size = -32000');
  } catch (err) {
    db.close();
    throw err;
  }
  return db;
}
