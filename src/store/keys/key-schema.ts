/**
 * The provider-key ledger: for each provider, the fingerprint (SHA-256) of the key in use
 * and when it was first seen. Never the key.
 */
import type { Migration } from '../migrations.js';

export const keyMigration: Migration = {
  version: 6,
  name: 'provider key ledger',
  up(db) {
    db.exec(`
      CREATE TABLE provider_keys (
        provider TEXT PRIMARY KEY,
        fingerprint TEXT NOT NULL,
        first_seen_at INTEGER NOT NULL,
        rotated_at INTEGER
      ) STRICT;
    `);
  },
};
