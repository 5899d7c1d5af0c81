/**
 * Tables for memory entries. The full-text index is a contentless FTS5 table (with
 * `contentless_delete`) fed by the store in the same transaction as the row, so the
 * text it indexes can be pre-segmented (CJK has no spaces for unicode61 to split on).
 * Embeddings sit in their own table, ready for the providers feature.
 */
import type { Migration } from '../migrations.js';

export const memoryMigration: Migration = {
  version: 2,
  name: 'memory entries, tags, full-text index, embeddings',
  up(db) {
    db.exec(`
      CREATE TABLE memory_entries (
        rowid INTEGER PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        namespace TEXT NOT NULL,
        key TEXT NOT NULL,
        content TEXT NOT NULL,
        metadata TEXT NOT NULL DEFAULT '{}',
        tags TEXT NOT NULL DEFAULT '[]',
        agent_id TEXT,
        session_id TEXT,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        version INTEGER NOT NULL DEFAULT 1,
        UNIQUE (namespace, key)
      ) STRICT;
      CREATE INDEX memory_entries_updated ON memory_entries (updated_at DESC, rowid DESC);
      CREATE INDEX memory_entries_ns_updated ON memory_entries (namespace, updated_at DESC, rowid DESC);

      CREATE TABLE memory_tags (
        tag TEXT NOT NULL,
        entry_rowid INTEGER NOT NULL REFERENCES memory_entries (rowid) ON DELETE CASCADE,
        PRIMARY KEY (tag, entry_rowid)
      ) STRICT, WITHOUT ROWID;
      CREATE INDEX memory_tags_entry ON memory_tags (entry_rowid);

      CREATE VIRTUAL TABLE memory_fts USING fts5 (
        key, content, tags,
        content = '', contentless_delete = 1,
        tokenize = 'unicode61 remove_diacritics 2'
      );

      CREATE TABLE memory_embeddings (
        entry_rowid INTEGER PRIMARY KEY REFERENCES memory_entries (rowid) ON DELETE CASCADE,
        model TEXT NOT NULL,
        dimensions INTEGER NOT NULL,
        vector BLOB NOT NULL,
        created_at INTEGER NOT NULL
      ) STRICT;

      CREATE TRIGGER memory_entries_fts_delete AFTER DELETE ON memory_entries BEGIN
        DELETE FROM memory_fts WHERE rowid = old.rowid;
      END;
    `);
  },
};
