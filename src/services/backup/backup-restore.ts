/**
 * Restoring a backup into the running daemon. The candidate is first copied into the data
 * dir (a private snapshot, so the file checked is the file read) and verified; then a new
 * database is rebuilt from its rows under aistack's own schema (`restore-rebuild.ts`: the
 * file's schema is never run or installed, and every session it holds is ended). Only
 * then does the swap start, inside the request gate's exclusive section: requests that
 * arrive wait, the ones running finish, and the daemon closes its database (after a
 * TRUNCATE checkpoint), keeps it as `aistack.db.<timestamp>.bak` (0600), moves the
 * rebuilt file into place, reopens it and rebuilds every service that held the old
 * connection. Held requests then run against the restored database, so nothing
 * acknowledged after the restore can land in the old one. The sessions active in the
 * daemon until then are not in the restored database: their tokens are refused after it.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, renameSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type Database from 'better-sqlite3';
import type { Logger } from 'pino';
import { AppError } from '../../core/errors.js';
import type { RequestGate } from '../../core/request-gate.js';
import {
  fileStamp,
  moveDatabase,
  removeDatabaseFiles,
  snapshotCopy,
} from '../../store/db-files.js';
import type { Migration } from '../../store/migrations.js';
import { countActiveSessions } from '../../store/sessions/session-sweep.js';
import type { AuditSink } from '../audit/audit-sink.js';
import { verifyDatabaseFile } from './backup-verify.js';
import { rebuildForRestore } from './restore-rebuild.js';
import type { EndedSessions } from './session-private.js';

/** What the daemon runs between closing its database and opening it again. */
export interface DatabaseSwap {
  apply(): void;
  /** Puts things back when the swapped-in database cannot be opened. */
  undo(): void;
}

/**
 * Closes the live database, runs `swap.apply()`, reopens the database and rebuilds what
 * holds it; resolves to the new connection. If reopening fails it runs `swap.undo()`,
 * reopens the old database, and throws. Closing, swapping and reopening happen in one
 * synchronous stretch, so nothing else runs in between.
 */
export type ReopenDatabase = (swap: DatabaseSwap) => Promise<Database.Database>;

export interface RestoreResult {
  restored: true;
  from: string;
  keptAs: string;
  /** Memory entries in the restored database. */
  entries: number;
  tables: Record<string, number | null>;
  /** Schema objects of the file that are not aistack's, left out (as "trigger name"). */
  leftOut: string[];
  sessionsEnded: {
    /** Sessions active in the backup, ended by the restore. */
    fromBackup: number;
    /** Entries of session namespaces in the backup, deleted. */
    entries: number;
    /** Sessions active in the daemon until the restore (not in the restored database). */
    live: number;
  };
  durationMs: number;
}

export interface RestoreOptions {
  dataDir: string;
  dbPath: string;
  audit: AuditSink;
  gate: RequestGate;
  migrations: readonly Migration[];
  reopenDatabase: ReopenDatabase;
  now: () => number;
  logger?: Logger;
  /** The backup file to restore, and its size. */
  file: string;
  bytes: number;
}

function sameFile(a: string, b: string): boolean {
  try {
    const sa = statSync(a);
    const sb = statSync(b);
    return sa.dev === sb.dev && sa.ino === sb.ino;
  } catch {
    return false;
  }
}

/** `aistack.db.<timestamp>.bak`, never one that exists already. */
function keptAsPath(dbPath: string, ms: number): string {
  const base = `${dbPath}.${fileStamp(ms)}`;
  for (let n = 0; ; n++) {
    const path = n === 0 ? `${base}.bak` : `${base}-${n}.bak`;
    if (!existsSync(path)) return path;
  }
}

export async function restoreInto(o: RestoreOptions): Promise<RestoreResult> {
  const started = performance.now();
  if (sameFile(o.file, o.dbPath))
    throw new AppError(
      'CONFLICT',
      `${o.file} is the live database; restore a backup of it instead`,
    );
  const tag = randomBytes(6).toString('hex');
  const candidate = join(o.dataDir, `.aistack.db.restore-${tag}.tmp`);
  const rebuilt = join(o.dataDir, `.aistack.db.rebuild-${tag}.tmp`);
  try {
    try {
      await snapshotCopy(o.file, candidate);
    } catch (err) {
      throw new AppError(
        'CONFLICT',
        `not restored: ${o.file} is not a readable SQLite database (${(err as Error).message})`,
      );
    }
    const check = verifyDatabaseFile(candidate, o.migrations, o.bytes);
    if (!check.ok) {
      throw new AppError(
        'CONFLICT',
        `not restored: ${o.file} failed verification: ${check.problems.join('; ')}`,
        { problems: check.problems, integrity: check.integrity },
      );
    }
    let ended: EndedSessions;
    try {
      ({ ended } = await rebuildForRestore({
        source: candidate,
        dest: rebuilt,
        migrations: o.migrations,
        versions: check.schemaVersions,
        now: o.now,
      }));
    } catch (err) {
      throw new AppError(
        'CONFLICT',
        `not restored: the rows of ${o.file} could not be rebuilt into a database (${(err as Error).message})`,
      );
    }
    removeDatabaseFiles(candidate);
    const leftOut = (check.schema?.differences ?? [])
      .filter((d) => d.onRestore === 'left out')
      .map((d) => `${d.type} ${d.name}`);
    let keptAs = '';
    let entries = 0;
    let live = 0;
    await o.gate.exclusive(
      async () => {
        // Nothing runs meanwhile: these are the sessions the swap ends.
        live = countActiveSessions(o.dbPath);
        keptAs = keptAsPath(o.dbPath, o.now());
        let putAside = false;
        let installed = false;
        const db = await o.reopenDatabase({
          apply: () => {
            moveDatabase(o.dbPath, keptAs);
            putAside = true;
            renameSync(rebuilt, o.dbPath);
            installed = true;
          },
          // Only what apply() did is undone: the live database is never the thing removed.
          undo: () => {
            if (installed) removeDatabaseFiles(o.dbPath);
            if (putAside) moveDatabase(keptAs, o.dbPath);
          },
        });
        entries = db.prepare('SELECT count(*) FROM memory_entries').pluck().get() as number;
        // backup.restore is a request: it holds its own place in the gate.
      },
      { callerHolds: true },
    );
    const result: RestoreResult = {
      restored: true,
      from: o.file,
      keptAs,
      entries,
      tables: check.tables,
      leftOut,
      sessionsEnded: { fromBackup: ended.sessions, entries: ended.entries, live },
      durationMs: Math.round(performance.now() - started),
    };
    o.audit.record('backup.restored', {
      from: o.file,
      keptAs,
      entries,
      leftOut,
      sessionsEnded: result.sessionsEnded,
      agentsStopped: ended.agents,
      tasksCancelled: ended.tasks,
      durationMs: result.durationMs,
    });
    o.logger?.warn(
      { from: o.file, keptAs, entries, leftOut, sessionsEnded: result.sessionsEnded },
      'database restored from a backup',
    );
    return result;
  } finally {
    removeDatabaseFiles(candidate);
    removeDatabaseFiles(rebuilt);
  }
}
