/**
 * Full-text indexing written behind. FTS5 costs most when each transaction indexes only
 * a few entries: it writes every transaction's terms out as a segment of their own and
 * merges segments as they pile up. Measured in-process on 100k entries, stores committed
 * in batches of 8 (the group commit under 8 clients): 140–160 µs per store when each
 * batch indexes its own entries, 61–74 µs when the index catches up 256 at a time.
 *
 * An update costs more still: deleting a row from a contentless FTS5 index means finding
 * the segments that hold it and rewriting their tombstones, ~100 µs of CPU a delete
 * (in-process, updates of 2,000 keys in batches of 8: 200–215 µs per store deleting at
 * once, 104–108 without the delete).
 *
 * So a store commits, with its entry, a row in `memory_fts_pending` instead of its FTS5
 * row (marked `stale` when the index still holds the entry's previous text), and the
 * index catches up — deletes and inserts — in a transaction of its own:
 * - BATCH at a time, a turn of the event loop apart, once BATCH entries wait, else
 *   MAX_DELAY_MS after the first (each catch-up blocks the event loop ~10 ms at most);
 * - before every full-text read (MemorySearch calls `flush` first), so a search sees
 *   every write acknowledged before it;
 * - when the daemon starts, for rows a crash left (they were committed with their entries).
 *
 * The invariant: an entry that is not pending has the FTS5 row of its current text and
 * no other; a pending one has the row of an earlier text when it is stale, else none. A
 * deleted entry's pending row goes with it (the schema's cascade). Past MAX_BACKLOG
 * waiting, a write indexes in its own transaction again, which bounds what a search may
 * have to index before it runs (MAX_BACKLOG × 25–60 µs).
 */
import type Database from 'better-sqlite3';
import type { FullTextIndex } from './full-text-index.js';
import { parseTags } from './fts-rebuild.js';

/** Entries waiting that start a catch-up on the next turn. */
export const BATCH = 256;
/** The longest an entry waits for a catch-up when fewer than BATCH wait. */
export const MAX_DELAY_MS = 500;
/** Entries waiting beyond which writes index in their own transaction again. */
export const MAX_BACKLOG = 1024;
/** Entries read per statement during a catch-up (contents can be large). */
const PAGE = 64;

/** What one catch-up did: entries indexed, and whether some still wait. */
interface CatchUp {
  indexed: number;
  more: boolean;
}

/** rowid, namespace, key, content, tags (JSON), stale. */
type PendingRow = [number, string, string, string, string, 0 | 1];

export interface EntryText {
  namespace: string;
  key: string;
  content: string;
  tags: readonly string[];
}

export class PendingFullText {
  private readonly stmts;
  /** Entries waiting, as counted here (a rolled-back write may have counted once too many). */
  private backlog = 0;
  private timer: NodeJS.Timeout | undefined;
  private soon = false;
  private readonly catchUp: (limit: number) => CatchUp;

  constructor(
    private readonly db: Database.Database,
    private readonly index: FullTextIndex,
  ) {
    this.stmts = {
      // A row already waiting keeps its mark: the index holds what it held before.
      add: db.prepare('INSERT OR IGNORE INTO memory_fts_pending (rowid, stale) VALUES (?, ?)'),
      remove: db.prepare('DELETE FROM memory_fts_pending WHERE rowid = ? RETURNING stale').pluck(),
      page: db
        .prepare(
          `SELECT p.rowid, e.namespace, e.key, e.content, e.tags, p.stale
           FROM memory_fts_pending p JOIN memory_entries e ON e.rowid = p.rowid
           WHERE p.rowid > ? ORDER BY p.rowid LIMIT ?`,
        )
        .raw(),
      done: db.prepare('DELETE FROM memory_fts_pending WHERE rowid <= ?'),
      count: db.prepare('SELECT count(*) FROM memory_fts_pending').pluck(),
    };
    // In rowid order, so the rows done are exactly those up to the last one indexed.
    this.catchUp = db.transaction((limit: number): CatchUp => {
      let indexed = 0;
      let after = -Infinity;
      for (;;) {
        const rows = this.stmts.page.all(after, Math.min(PAGE, limit - indexed)) as PendingRow[];
        for (const [rowid, namespace, key, content, tags, stale] of rows) {
          if (stale) this.index.unindex(rowid, namespace);
          this.index.index(rowid, namespace, key, content, parseTags(rowid, tags));
        }
        indexed += rows.length;
        if (rows.length > 0) after = rows.at(-1)![0];
        if (rows.length < PAGE || indexed >= limit) {
          if (indexed > 0) this.stmts.done.run(after);
          return { indexed, more: indexed >= limit && rows.length > 0 };
        }
      }
    });
    // Rows a crash left behind: a read-only connection (a read worker) leaves them to the daemon.
    if (!db.readonly) {
      this.backlog = this.stmts.count.get() as number;
      if (this.backlog > 0) this.schedule();
    }
  }

  /**
   * Inside a write's transaction: the entry at `rowid` now has `text`; `replaced` when it
   * existed before this write (its old FTS5 row, if it has one, must go).
   */
  write(rowid: number, text: EntryText, replaced: boolean): void {
    if (this.backlog >= MAX_BACKLOG) {
      const stale = this.stmts.remove.get(rowid) as number | undefined;
      if (stale === undefined ? replaced : stale === 1) this.index.unindex(rowid, text.namespace);
      this.index.index(rowid, text.namespace, text.key, text.content, text.tags);
      return;
    }
    if (this.stmts.add.run(rowid, replaced ? 1 : 0).changes === 0) return; // waiting already
    this.backlog++;
    this.schedule();
  }

  /** Indexes every entry waiting, in one transaction (a no-op on a read-only connection). */
  flush(): void {
    this.cancel();
    if (this.backlog === 0 || !this.db.open || this.db.readonly) return;
    this.catchUp(Infinity);
    this.backlog = 0;
  }

  private schedule(): void {
    if (this.backlog >= BATCH) {
      if (this.soon) return;
      this.soon = true;
      setImmediate(() => this.flushQuietly());
    } else if (!this.timer) {
      this.timer = setTimeout(() => this.flushQuietly(), MAX_DELAY_MS);
      this.timer.unref();
    }
  }

  private cancel(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  /**
   * A catch-up nobody waits for. Should it fail (a full disk), the rows stay pending and
   * the next search's flush, which does wait, reports the error to its caller.
   */
  private flushQuietly(): void {
    this.soon = false;
    this.cancel();
    if (this.backlog === 0 || !this.db.open) return;
    try {
      // BATCH at a time, a turn of the event loop between: ~10 ms each at most.
      const { indexed, more } = this.catchUp(BATCH);
      this.backlog = more ? Math.max(this.backlog - indexed, BATCH) : 0;
      if (more) this.schedule();
    } catch {
      // Left waiting: the next search's flush, which does wait, reports the error.
    }
  }
}
