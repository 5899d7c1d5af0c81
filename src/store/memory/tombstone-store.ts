/**
 * The last delete of each (namespace, key), for memory.changes (expiry-schema.ts). The
 * memory store records one inside the transaction of every delete — by a caller, by
 * expiry, by a batch — and a later delete of the same key replaces it. `prune` forgets
 * deletions older than the change feed's retention (the memory.expire job);
 * `deleteNamespace` goes with a namespace's entries when its session ends.
 */
import type Database from 'better-sqlite3';
import type { EntryRow } from './entry-row.js';

/** Why an entry went: a caller deleted it, or its expiry passed. */
export type DeleteReason = 'deleted' | 'expired';

export class TombstoneStore {
  private readonly stmts;

  constructor(db: Database.Database) {
    this.stmts = {
      record:
        db.prepare(`INSERT INTO memory_tombstones (namespace, key, entry_id, version, deleted_at, reason)
        VALUES (?, ?, ?, ?, ?, ?)
        ON CONFLICT (namespace, key) DO UPDATE SET entry_id = excluded.entry_id,
          version = excluded.version, deleted_at = excluded.deleted_at, reason = excluded.reason`),
      deleteNamespace: db.prepare('DELETE FROM memory_tombstones WHERE namespace = ?'),
      prune: db.prepare('DELETE FROM memory_tombstones WHERE deleted_at < ?'),
    };
  }

  record(row: EntryRow, reason: DeleteReason, at: number): void {
    this.stmts.record.run(row.namespace, row.key, row.id, row.version, at, reason);
  }

  deleteNamespace(namespace: string): number {
    return this.stmts.deleteNamespace.run(namespace).changes;
  }

  /** Forgets deletions before `before` (ms); returns how many. */
  prune(before: number): number {
    return this.stmts.prune.run(before).changes;
  }
}
