/**
 * Entry counts per namespace, kept by triggers, so `memory.list` can report `total`
 * without counting 100,000 rows on every call.
 */
import type { Migration } from '../migrations.js';

export const namespaceCountMigration: Migration = {
  version: 7,
  name: 'namespace entry counts',
  up(db) {
    db.exec(`
      CREATE TABLE memory_namespace_counts (
        namespace TEXT PRIMARY KEY,
        entries INTEGER NOT NULL
      ) STRICT, WITHOUT ROWID;
      INSERT INTO memory_namespace_counts (namespace, entries)
        SELECT namespace, count(*) FROM memory_entries GROUP BY namespace;
      CREATE TRIGGER memory_entries_count_insert AFTER INSERT ON memory_entries BEGIN
        INSERT INTO memory_namespace_counts (namespace, entries) VALUES (new.namespace, 1)
          ON CONFLICT (namespace) DO UPDATE SET entries = entries + 1;
      END;
      CREATE TRIGGER memory_entries_count_delete AFTER DELETE ON memory_entries BEGIN
        UPDATE memory_namespace_counts SET entries = entries - 1 WHERE namespace = old.namespace;
        DELETE FROM memory_namespace_counts WHERE namespace = old.namespace AND entries <= 0;
      END;
    `);
  },
};
