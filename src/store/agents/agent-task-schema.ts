/**
 * Tables for agents and tasks. Both belong to a session (`session_id`); the services
 * only ever read them through that column, so one session never sees another's rows.
 * Status values are CHECKed here as a last line behind the services' transition rules.
 * Times are milliseconds since the epoch, like the sessions table.
 */
import type { Migration } from '../migrations.js';

export const agentTaskMigration: Migration = {
  version: 5,
  name: 'agents and tasks',
  up(db) {
    db.exec(`
      CREATE TABLE agents (
        id TEXT PRIMARY KEY,
        session_id TEXT NOT NULL,
        type TEXT NOT NULL,
        name TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('active', 'stopped')),
        created_at INTEGER NOT NULL,
        stopped_at INTEGER
      ) STRICT;
      CREATE INDEX agents_session ON agents (session_id, status, created_at);

      CREATE TABLE tasks (
        id TEXT PRIMARY KEY,
        session_id TEXT NOT NULL,
        agent_id TEXT REFERENCES agents (id),
        input TEXT NOT NULL,
        status TEXT NOT NULL
          CHECK (status IN ('pending', 'running', 'completed', 'failed', 'cancelled')),
        output TEXT,
        error TEXT,
        provider TEXT,
        model TEXT,
        input_tokens INTEGER,
        output_tokens INTEGER,
        duration_ms INTEGER,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        started_at INTEGER,
        completed_at INTEGER
      ) STRICT;
      CREATE INDEX tasks_session ON tasks (session_id, status, created_at);
      CREATE INDEX tasks_agent ON tasks (agent_id, status);
    `);
  },
};
