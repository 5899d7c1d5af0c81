/**
 * Full-text indexing written behind (fts-pending.ts): a store commits its entry with a row
 * here instead of its FTS5 row, and the index catches up in larger transactions. The row
 * is committed with the entry, so an entry acknowledged before a crash is indexed when the
 * daemon next starts; it goes with its entry (the cascade), so a deleted entry is never
 * indexed afterwards. `stale` is 1 when the index still holds the entry's previous text,
 * which the catch-up deletes before it indexes the current one.
 */
import type { Migration } from '../migrations.js';

export const ftsPendingMigration: Migration = {
  version: 14,
  name: 'full-text indexing written behind',
  up(db) {
    db.exec(`
      CREATE TABLE memory_fts_pending (
        rowid INTEGER PRIMARY KEY REFERENCES memory_entries (rowid) ON DELETE CASCADE,
        stale INTEGER NOT NULL CHECK (stale IN (0, 1))
      ) STRICT;
    `);
  },
};
