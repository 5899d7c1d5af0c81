/**
 * The list of migrations, oldest first. Each feature adds its tables here.
 */
import type { Migration } from './migrations.js';
import { agentTaskMigration } from './agents/agent-task-schema.js';
import { embeddingModelMigration } from './embeddings/embedding-schema.js';
import { expiryMigration } from './memory/expiry-schema.js';
import { ftsPendingMigration } from './memory/fts-pending-schema.js';
import { historyMigration } from './memory/history-schema.js';
import { linkMigration } from './memory/link-schema.js';
import { memoryMigration } from './memory/memory-schema.js';
import { pluginMigration } from './plugins/plugin-schema.js';
import { keyMigration } from './keys/key-schema.js';
import { namespaceCountMigration } from './memory/namespace-count-schema.js';
import { privateFtsMigration } from './memory/private-fts-schema.js';
import { projectMigration } from './projects/project-schema.js';
import { sessionMigration } from './sessions/session-schema.js';

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
  privateFtsMigration,
  projectMigration,
  linkMigration,
  historyMigration,
  expiryMigration,
  ftsPendingMigration,
];
