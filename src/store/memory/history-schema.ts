/**
 * Earlier versions of memory entries (memory.history / memory.restoreVersion). Every
 * update and delete copies the row it replaces here, in the same transaction. Rows are
 * named by (namespace, key), not by the entry's rowid, so the history of a deleted entry
 * stays (it can be restored) until pruned; a session's namespace takes its history with
 * it when it ends. A rowid table, not WITHOUT ROWID: its rows hold whole contents.
 */
import type { Migration } from '../migrations.js';

export const historyMigration: Migration = {
  version: 12,
  name: 'history of memory entries',
  up(db) {
    db.exec(`
      CREATE TABLE memory_history (
        namespace TEXT NOT NULL,
        key TEXT NOT NULL,
        version INTEGER NOT NULL,
        entry_id TEXT NOT NULL,
        content TEXT NOT NULL,
        metadata TEXT NOT NULL,
        tags TEXT NOT NULL,
        agent_id TEXT,
        session_id TEXT,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        replaced_at INTEGER NOT NULL,
        change TEXT NOT NULL CHECK (change IN ('updated', 'deleted')),
        UNIQUE (namespace, key, version)
      ) STRICT;
    `);
  },
};
