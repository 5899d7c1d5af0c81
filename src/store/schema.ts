/**
 * The list of migrations, oldest first. Each feature adds its tables here.
 */
import type { Migration } from './migrations.js';
import { agentTaskMigration } from './agent-task-schema.js';
import { embeddingModelMigration } from './embedding-schema.js';
import { memoryMigration } from './memory-schema.js';
import { pluginMigration } from './plugin-schema.js';
import { keyMigration } from './key-schema.js';
import { namespaceCountMigration } from './namespace-count-schema.js';
import { sessionMigration } from './session-schema.js';

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'daemon metadata',
    up(db) {
      db.exec(`CREATE TABLE daemon_meta (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
      ) STRICT`);
    },
  },
  memoryMigration,
  sessionMigration,
  pluginMigration,
  agentTaskMigration,
  keyMigration,
  namespaceCountMigration,
  embeddingModelMigration,
];
