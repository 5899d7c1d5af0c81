/**
 * Full-text indexing written behind (fts-pending.ts): a store commits its entry with a row
 * here instead of its FTS5 row, and the index catches up in larger transactions. The row
 * is committed with the entry, so an entry acknowledged before a crash is indexed when the
 * daemon next starts; it goes with its entry (the cascade), so a deleted entry is never
 * indexed afterwards.
 */
import type { Migration } from '../migrations.js';

export const ftsPendingMigration: Migration = {
  version: 14,
  name: 'full-text indexing written behind',
  up(db) {
    db.exec(`
      CREATE TABLE memory_fts_pending (
        rowid INTEGER PRIMARY KEY REFERENCES memory_entries (rowid) ON DELETE CASCADE
      ) STRICT;
    `);
  },
};
