/**
 * Expiry and deletions of memory entries (memory.store's ttlSeconds / expiresAt, and
 * memory.changes). `expires_at` is null for an entry that never expires; the partial
 * index holds only the ones that do, so the memory.expire job finds what is due without
 * a scan and costs nothing for entries without a TTL.
 *
 * `memory_tombstones` remembers the last delete of each (namespace, key) — by a caller
 * or by expiry — so `memory.changes` can report deletions. Creates and updates need no
 * record of their own (an entry's created_at/updated_at say when), so the store path pays
 * nothing for the change feed; only deletes write a tombstone. One row per key (a later
 * delete replaces it), pruned by the memory.expire job after memory.changes.retentionDays,
 * and deleted with a session's namespace when it ends.
 */
import type { Migration } from '../migrations.js';

export const expiryMigration: Migration = {
  version: 13,
  name: 'entry expiry and deletion tombstones',
  up(db) {
    db.exec(`
      ALTER TABLE memory_entries ADD COLUMN expires_at INTEGER;
      CREATE INDEX memory_entries_expires ON memory_entries (expires_at)
        WHERE expires_at IS NOT NULL;

      CREATE TABLE memory_tombstones (
        rowid INTEGER PRIMARY KEY,
        namespace TEXT NOT NULL,
        key TEXT NOT NULL,
        entry_id TEXT NOT NULL,
        version INTEGER NOT NULL,
        deleted_at INTEGER NOT NULL,
        reason TEXT NOT NULL CHECK (reason IN ('deleted', 'expired')),
        UNIQUE (namespace, key)
      ) STRICT;
      CREATE INDEX memory_tombstones_at ON memory_tombstones (deleted_at);
    `);
  },
};
