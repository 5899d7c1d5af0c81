/**
 * The sessions table. Only a SHA-256 of each token is stored; the token itself exists
 * in the reply to `session.start` and nowhere else.
 */
import type { Migration } from '../migrations.js';

export const sessionMigration: Migration = {
  version: 3,
  name: 'sessions',
  up(db) {
    db.exec(`
      CREATE TABLE sessions (
        id TEXT PRIMARY KEY,
        token_hash TEXT NOT NULL,
        metadata TEXT NOT NULL DEFAULT '{}',
        idle_timeout_ms INTEGER NOT NULL,
        started_at INTEGER NOT NULL,
        last_activity_at INTEGER NOT NULL,
        ended_at INTEGER,
        end_reason TEXT
      ) STRICT;
      CREATE INDEX sessions_active ON sessions (ended_at, last_activity_at);
    `);
  },
};
