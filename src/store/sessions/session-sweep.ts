/**
 * Sessions swept out of a whole database file at once, for files the daemon is not
 * serving: a backup copy that leaves the sessions out, and a restore being rebuilt, in
 * which every session it brings back ends. Which namespaces are private is the caller's
 * to say (`prefix`); the store only deletes rows. Expects the current schema.
 */
import Database from 'better-sqlite3';

const ENTRIES_UNDER = 'SELECT rowid FROM memory_entries WHERE substr(namespace, 1, ?) = ?';

/**
 * Deletes every entry whose namespace starts with `prefix`, with its tags, its embedding,
 * its links (either end), its kept versions and (through the schema's trigger) its
 * full-text row; returns how many entries.
 */
export function deleteEntriesUnder(db: Database.Database, prefix: string): number {
  const args = [prefix.length, prefix];
  return db.transaction(() => {
    db.prepare(`DELETE FROM memory_embeddings WHERE entry_rowid IN (${ENTRIES_UNDER})`).run(
      ...args,
    );
    db.prepare(`DELETE FROM memory_tags WHERE entry_rowid IN (${ENTRIES_UNDER})`).run(...args);
    db.prepare(
      `DELETE FROM memory_links WHERE from_rowid IN (${ENTRIES_UNDER}) OR to_rowid IN (${ENTRIES_UNDER})`,
    ).run(...args, ...args);
    db.prepare('DELETE FROM memory_history WHERE substr(namespace, 1, ?) = ?').run(...args);
    db.prepare('DELETE FROM memory_tombstones WHERE substr(namespace, 1, ?) = ?').run(...args);
    return db.prepare(`DELETE FROM memory_entries WHERE rowid IN (${ENTRIES_UNDER})`).run(...args)
      .changes;
  })();
}

export interface SweptSessions {
  sessions: number;
  agents: number;
  tasks: number;
}

/**
 * Ends every session still active, as ending one does: stopped agents, cancelled tasks
 * (with `taskError`), `ended_at` and `end_reason` set, so its token is refused from now on.
 */
export function endActiveSessions(
  db: Database.Database,
  at: number,
  reason: string,
  taskError: string,
): SweptSessions {
  return db.transaction(() => ({
    tasks: db
      .prepare(
        `UPDATE tasks SET status = 'cancelled', error = ?, completed_at = ?, updated_at = ?
         WHERE status IN ('pending', 'running')`,
      )
      .run(taskError, at, at).changes,
    agents: db
      .prepare("UPDATE agents SET status = 'stopped', stopped_at = ? WHERE status = 'active'")
      .run(at).changes,
    sessions: db
      .prepare('UPDATE sessions SET ended_at = ?, end_reason = ? WHERE ended_at IS NULL')
      .run(at, reason).changes,
  }))();
}

/** Deletes every session with its agents and tasks (their rows belong to it alone). */
export function deleteAllSessions(db: Database.Database): SweptSessions {
  return db.transaction(() => ({
    tasks: db.prepare('DELETE FROM tasks').run().changes,
    agents: db.prepare('DELETE FROM agents').run().changes,
    sessions: db.prepare('DELETE FROM sessions').run().changes,
  }))();
}

/** Sessions still active in the database file at `path`, read on a read-only connection of its own. */
export function countActiveSessions(path: string): number {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    db.pragma('busy_timeout = 2000');
    return db
      .prepare('SELECT count(*) FROM sessions WHERE ended_at IS NULL')
      .pluck()
      .get() as number;
  } finally {
    db.close();
  }
}
