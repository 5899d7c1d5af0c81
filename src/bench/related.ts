/**
 * The `memory.related` cell's setup: links between the loaded entries, written straight
 * into a database file in one transaction (through the daemon this would take minutes and
 * measure nothing the cell is about). Each entry gets `perEntry` links to entries drawn
 * by a fixed-seed generator, so the daemon's file and the in-process one hold the same
 * graph: about 2 out and 2 in per entry, 21 nodes within depth 2 both ways.
 */
import Database from 'better-sqlite3';
import { rng } from './corpus.js';

/** Adds links among the entries of `namespace` in the database at `target`; returns how many. */
export function insertLinks(
  target: string | Database.Database,
  namespace: string,
  perEntry: number,
  seed = 7,
): number {
  const db = typeof target === 'string' ? new Database(target) : target;
  try {
    if (typeof target === 'string') db.pragma('busy_timeout = 10000');
    const rowids = db
      .prepare('SELECT rowid FROM memory_entries WHERE namespace = ? ORDER BY rowid')
      .pluck()
      .all(namespace) as number[];
    const insert = db.prepare(
      `INSERT OR IGNORE INTO memory_links (from_rowid, to_rowid, type, metadata, session_id, created_at)
       VALUES (?, ?, 'rel', '{}', NULL, ?)`,
    );
    const next = rng(seed);
    const at = Date.now();
    return db.transaction(() => {
      let added = 0;
      for (const from of rowids) {
        for (let k = 0; k < perEntry; k++) {
          const to = rowids[Math.floor(next() * rowids.length)]!;
          if (to !== from) added += insert.run(from, to, at).changes;
        }
      }
      return added;
    })();
  } finally {
    if (typeof target === 'string') db.close();
  }
}
