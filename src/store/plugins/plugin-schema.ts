/**
 * Tables for plugins: the approvals (which content hash the user approved for each
 * plugin name, and the manifest they saw) and the registry of what happened to each
 * plugin — every load, refusal, failure, approval and revocation, with the reason.
 * Times are milliseconds since the epoch, like the sessions table.
 */
import type { Migration } from '../migrations.js';

export const pluginMigration: Migration = {
  version: 4,
  name: 'plugin approvals and registry',
  up(db) {
    db.exec(`
      CREATE TABLE plugin_approvals (
        name TEXT PRIMARY KEY,
        hash TEXT NOT NULL CHECK (length(hash) = 64),
        manifest TEXT NOT NULL,
        approved_at INTEGER NOT NULL
      ) STRICT;
      CREATE TABLE plugin_events (
        id INTEGER PRIMARY KEY,
        at INTEGER NOT NULL,
        plugin TEXT NOT NULL,
        event TEXT NOT NULL
          CHECK (event IN ('loaded', 'refused', 'failed', 'approved', 'revoked')),
        reason TEXT,
        hash TEXT
      ) STRICT;
      CREATE INDEX plugin_events_plugin ON plugin_events (plugin, id DESC);
    `);
  },
};
