/**
 * Links between memory entries (memory.link / memory.related). A link names its two
 * entries by rowid with ON DELETE CASCADE, so it goes when either entry goes — a delete,
 * a session's namespace emptied at its end, a backup leaving sessions out — without any
 * code having to remember it. One link per (from, to, type); its metadata is the caller's.
 */
import type { Migration } from '../migrations.js';

export const linkMigration: Migration = {
  version: 11,
  name: 'links between memory entries',
  up(db) {
    db.exec(`
      CREATE TABLE memory_links (
        from_rowid INTEGER NOT NULL REFERENCES memory_entries (rowid) ON DELETE CASCADE,
        to_rowid INTEGER NOT NULL REFERENCES memory_entries (rowid) ON DELETE CASCADE,
        type TEXT NOT NULL,
        metadata TEXT NOT NULL DEFAULT '{}',
        session_id TEXT,
        created_at INTEGER NOT NULL,
        PRIMARY KEY (from_rowid, type, to_rowid)
      ) STRICT, WITHOUT ROWID;
      CREATE INDEX memory_links_to ON memory_links (to_rowid, type);
    `);
  },
};
