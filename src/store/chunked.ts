/**
 * Long writes into a private database file (a restore being rebuilt, a backup copy being
 * trimmed) in transactions of a few thousand rows, with a turn of the event loop between
 * them, so the daemon keeps answering its clients while it works. Only for files nobody
 * else uses: a half-done file is thrown away, never served.
 */
import { setImmediate as nextTurn } from 'node:timers/promises';
import type Database from 'better-sqlite3';

/** Rows per transaction: a few milliseconds of work. */
export const ROWS_PER_CHUNK = 2000;

/** Runs `each` over `rows` on `db`, committing every `size` rows; returns how many it ran. */
export async function inChunks<T>(
  db: Database.Database,
  rows: Iterable<T>,
  each: (row: T) => void,
  size = ROWS_PER_CHUNK,
): Promise<number> {
  const iterator = rows[Symbol.iterator]();
  let done = 0;
  try {
    for (;;) {
      let finished = false;
      db.transaction(() => {
        for (let n = 0; n < size; n++) {
          const next = iterator.next();
          if (next.done) {
            finished = true;
            return;
          }
          each(next.value);
          done++;
        }
      })();
      if (finished) return done;
      await nextTurn();
    }
  } finally {
    iterator.return?.();
  }
}
