/**
 * The full-text index made again from the entries themselves, the way the store indexes
 * each write (through FullTextIndex, so both agree where an entry goes). A restore builds its index this way
 * instead of copying a backup's FTS5 shadow tables, which a crafted file could fill with
 * anything; a backup that leaves entries out optimizes its index, so no trace of their
 * words stays in it.
 */
import type Database from 'better-sqlite3';
import { inChunks, ROWS_PER_CHUNK } from '../chunked.js';
import { FullTextIndex } from './full-text-index.js';

/**
 * Empties both full-text indexes and indexes every entry again, each where the store puts
 * it: shared namespaces in `memory_fts`, session namespaces in `memory_fts_private` with
 * their owner token (see private-fts-schema.ts). Returns how many entries it indexed.
 */
export async function rebuildFullTextIndex(db: Database.Database): Promise<number> {
  db.exec("INSERT INTO memory_fts (memory_fts) VALUES ('delete-all')");
  db.exec("INSERT INTO memory_fts_private (memory_fts_private) VALUES ('delete-all')");
  // Every entry is indexed below: none waits for the write-behind indexing (fts-pending.ts).
  db.exec('DELETE FROM memory_fts_pending');
  const fullText = new FullTextIndex(db);
  const page = db
    .prepare(
      'SELECT rowid, namespace, key, content, tags FROM memory_entries WHERE rowid > ? ORDER BY rowid LIMIT ?',
    )
    .raw();
  // Read a page at a time (the connection cannot write while a read is open on it).
  function* entries() {
    for (let after = -Infinity; ;) {
      const rows = page.all(after, ROWS_PER_CHUNK) as [number, string, string, string, string][];
      yield* rows;
      if (rows.length < ROWS_PER_CHUNK) return;
      after = rows.at(-1)![0];
    }
  }
  return inChunks(db, entries(), ([rowid, namespace, key, content, tags]) => {
    fullText.index(rowid, namespace, key, content, parseTags(rowid, tags));
  });
}

/** Merges each index into one segment, which drops what deleted entries left in it. */
export function optimizeFullTextIndex(db: Database.Database): void {
  db.exec("INSERT INTO memory_fts (memory_fts) VALUES ('optimize')");
  db.exec("INSERT INTO memory_fts_private (memory_fts_private) VALUES ('optimize')");
}

export function parseTags(rowid: number, tags: string): string[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(tags);
  } catch {
    parsed = undefined;
  }
  if (!Array.isArray(parsed) || !parsed.every((t) => typeof t === 'string'))
    throw new Error(`memory entry ${rowid} has tags that are not a JSON array of strings`);
  return parsed as string[];
}
