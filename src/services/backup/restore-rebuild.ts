/**
 * The database a restore installs, built from a verified backup's rows and never from
 * its schema: a fresh file with aistack's own schema for the versions the backup records
 * (`store/rebuild.ts` copies only the rows of our tables), brought up to date by the
 * remaining migrations, every session it holds ended (`session-private.ts`), the
 * full-text index made from the entries, then compacted and synced. The result is a
 * finished database that the daemon's swap only has to move into place.
 */
import type { Migration } from '../../store/migrations.js';
import { runMigrations } from '../../store/migrations.js';
import { compactDatabase } from '../../store/db-files.js';
import { rebuildFullTextIndex } from '../../store/memory/fts-rebuild.js';
import { rebuildFrom } from '../../store/rebuild.js';
import { endRestoredSessions, type EndedSessions } from './session-private.js';

export interface RebuiltDatabase {
  /** Rows copied per table (before the sessions' entries were deleted). */
  rows: Record<string, number>;
  ended: EndedSessions;
}

/** Builds `dest` from the rows of `source` (verified first); the caller removes `dest` on failure. */
export async function rebuildForRestore(o: {
  source: string;
  dest: string;
  migrations: readonly Migration[];
  versions: readonly number[];
  now: () => number;
}): Promise<RebuiltDatabase> {
  const { db, rows } = await rebuildFrom(o);
  try {
    runMigrations(db, o.migrations);
    const ended = endRestoredSessions(db, o.now());
    await rebuildFullTextIndex(db);
    compactDatabase(db);
    return { rows, ended };
  } finally {
    db.close();
  }
}
