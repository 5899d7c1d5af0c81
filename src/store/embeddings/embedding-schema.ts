/**
 * An index on the embeddings' model and size, so "how many entries are embedded by the
 * current model" and "does this entry have a current vector" read the index instead of
 * every 1.5 KB vector row. The table itself came with the memory tables (version 2).
 */
import type { Migration } from '../migrations.js';

export const embeddingModelMigration: Migration = {
  version: 8,
  name: 'embeddings by model',
  up(db) {
    db.exec('CREATE INDEX memory_embeddings_model ON memory_embeddings (model, dimensions)');
  },
};
