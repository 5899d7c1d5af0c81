/**
 * What backups and restores do with sessions. A session's namespace and its token are
 * meant to die with it, so neither may outlive it through a backup file:
 *
 * - a backup leaves every session out unless asked (`includeSessions`): from the copy,
 *   never the live database, it deletes the entries of every `session:*` namespace (with
 *   their tags, FTS rows and embeddings), the session rows (token hashes) and their agents
 *   and tasks, merges the full-text index so no trace of their words stays in it, and
 *   VACUUMs the copy so no page of them stays in the file;
 * - a restore ends every session the backup brings back, as ending one does (entries
 *   deleted, agents stopped, tasks cancelled, the token refused from then on), so a
 *   session that ended after the backup was taken cannot come back to life.
 */
import { editDatabaseFile } from '../../store/db-files.js';
import { optimizeFullTextIndex } from '../../store/memory/fts-rebuild.js';
import type Database from 'better-sqlite3';
import {
  deleteAllSessions,
  deleteEntriesUnder,
  endActiveSessions,
} from '../../store/sessions/session-sweep.js';
import type { EndReason } from '../../protocol/session.js';
import { SESSION_PREFIX } from '../access/sessions.js';

/** What a backup left out of its copy. */
export interface LeftOutSessions {
  sessions: number;
  entries: number;
  agents: number;
  tasks: number;
}

/** What a restore ended. */
export interface EndedSessions {
  /** Sessions that were active in the backup. */
  sessions: number;
  /** Entries of session namespaces in the backup, deleted. */
  entries: number;
  agents: number;
  tasks: number;
}

/** The reason a restored session's row gives for its end. */
export const RESTORED: EndReason = 'restored';
const TASK_CANCELLED = 'cancelled: its session ended when a backup was restored';

/** Removes every session from the backup copy at `path`, then compacts it. */
export function leaveSessionsOut(path: string): { leftOut: LeftOutSessions; pages: number } {
  const { result, pages } = editDatabaseFile(path, (db) => {
    const entries = deleteEntriesUnder(db, SESSION_PREFIX);
    const swept = deleteAllSessions(db);
    optimizeFullTextIndex(db);
    return { entries, ...swept };
  });
  return { leftOut: result, pages };
}

/** Ends every session of a database being restored (not yet served) and empties their namespaces. */
export function endRestoredSessions(db: Database.Database, at: number): EndedSessions {
  return db.transaction(() => {
    // Every session ends, so no `session:*` namespace may keep anything, whoever's it was.
    const entries = deleteEntriesUnder(db, SESSION_PREFIX);
    return { entries, ...endActiveSessions(db, at, RESTORED, TASK_CANCELLED) };
  })();
}
