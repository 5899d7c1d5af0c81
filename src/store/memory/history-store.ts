/**
 * SQL for the history of memory entries (history-schema.ts). The memory store calls
 * `record` inside the transaction of every update and delete, with the row being
 * replaced; each key keeps at most `keep()` versions (read at each write, so a reload
 * applies to the next one), and `prune` trims every key at once for the scheduled job
 * (after `keep` was lowered, say). The store knows nothing of sessions: whose history is
 * whose is the namespace's, and `deleteNamespace` goes with a namespace's entries.
 */
import type Database from 'better-sqlite3';
import type { EntryRow } from './entry-row.js';
import type { EntryViewRow } from './entry-view.js';

/** The default of `memory.history.keep`. */
export const DEFAULT_HISTORY_KEEP = 20;

export type HistoryChange = 'updated' | 'deleted';

/** A kept version: the entry as it was (as a view row: `text` is its content or a preview). */
export interface HistoryRow extends EntryViewRow {
  replaced_at: number;
  change: HistoryChange;
}

const VIEW = `rowid, entry_id AS id, namespace, key, metadata, tags, agent_id, session_id, created_at,
  updated_at, version, replaced_at, change, length(content) AS size`;

export class HistoryStore {
  private readonly stmts;
  private readonly previewStatements = new Map<number, Database.Statement>();

  constructor(
    db: Database.Database,
    private readonly keep: () => number = () => DEFAULT_HISTORY_KEEP,
  ) {
    this.stmts = {
      insert: db.prepare(`INSERT OR REPLACE INTO memory_history
        (namespace, key, version, entry_id, content, metadata, tags, agent_id, session_id, created_at, updated_at, replaced_at, change)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
      trimKey: db.prepare(
        'DELETE FROM memory_history WHERE namespace = ? AND key = ? AND version <= ?',
      ),
      lastVersion: db
        .prepare('SELECT max(version) FROM memory_history WHERE namespace = ? AND key = ?')
        .pluck(),
      previews: (chars: number) =>
        db.prepare(
          `SELECT ${VIEW}, substr(content, 1, ${Math.trunc(chars)}) AS text FROM memory_history
           WHERE namespace = ? AND key = ? ORDER BY version DESC`,
        ),
      one: db.prepare(
        `SELECT ${VIEW}, content AS text FROM memory_history WHERE namespace = ? AND key = ? AND version = ?`,
      ),
      versions: db
        .prepare(
          'SELECT version FROM memory_history WHERE namespace = ? AND key = ? ORDER BY version',
        )
        .pluck(),
      deleteNamespace: db.prepare('DELETE FROM memory_history WHERE namespace = ?'),
      prune: db.prepare(`DELETE FROM memory_history WHERE rowid IN (
        SELECT rowid FROM (SELECT rowid, row_number() OVER (PARTITION BY namespace, key ORDER BY version DESC) AS n
          FROM memory_history) WHERE n > ?)`),
    };
  }

  /** Keeps `row` (about to be replaced or deleted) as a version; trims the key to `keep()`. */
  record(row: EntryRow, change: HistoryChange, at: number): void {
    const keep = Math.max(0, Math.trunc(this.keep()));
    const s = this.stmts;
    if (keep > 0) {
      s.insert.run(
        row.namespace,
        row.key,
        row.version,
        row.id,
        row.content,
        row.metadata,
        row.tags,
        row.agent_id,
        row.session_id,
        row.created_at,
        row.updated_at,
        at,
        change,
      );
    }
    s.trimKey.run(row.namespace, row.key, row.version - keep);
  }

  /** The version a new entry under (namespace, key) takes: after any kept one of a deleted entry. */
  nextVersion(namespace: string, key: string): number {
    const last = this.stmts.lastVersion.get(namespace, key) as number | null;
    return (last ?? 0) + 1;
  }

  /** Every kept version of (namespace, key), newest first, with the first `chars` characters. */
  list(namespace: string, key: string, chars: number): HistoryRow[] {
    let stmt = this.previewStatements.get(chars);
    if (!stmt) this.previewStatements.set(chars, (stmt = this.stmts.previews(chars)));
    return stmt.all(namespace, key) as HistoryRow[];
  }

  /** One kept version, whole (as a view row whose `text` is the whole content). */
  get(namespace: string, key: string, version: number): HistoryRow | undefined {
    return this.stmts.one.get(namespace, key, version) as HistoryRow | undefined;
  }

  /** The versions kept for (namespace, key), oldest first. */
  versions(namespace: string, key: string): number[] {
    return this.stmts.versions.all(namespace, key) as number[];
  }

  deleteNamespace(namespace: string): number {
    return this.stmts.deleteNamespace.run(namespace).changes;
  }

  /** Trims every key to the newest `keep` versions; returns how many versions were dropped. */
  prune(keep = this.keep()): number {
    return this.stmts.prune.run(Math.max(0, Math.trunc(keep))).changes;
  }
}
