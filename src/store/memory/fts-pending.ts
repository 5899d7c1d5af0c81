/**
 * Full-text indexing written behind. FTS5 costs most when each transaction indexes only
 * a few entries: it writes every transaction's terms out as a segment of their own and
 * merges segments as they pile up. Measured in-process on 100k entries, stores committed
 * in batches of 8 (the group commit under 8 clients): 140–160 µs per store when each
 * batch indexes its own entries, 61–74 µs when the index catches up 256 at a time.
 *
 * So a store commits, with its entry, a row in `memory_fts_pending` instead of its FTS5
 * row, and the index catches up in a transaction of its own:
 * - on the next turn of the event loop once BATCH entries wait, else MAX_DELAY_MS after
 *   the first;
 * - before every full-text read (MemorySearch calls `flush` first), so a search sees
 *   every write acknowledged before it;
 * - when the daemon starts, for rows a crash left (they were committed with their entries).
 *
 * The invariant: an entry is either pending, with no FTS5 row, or has the FTS5 row of its
 * current text. A deleted entry's pending row goes with it (the schema's cascade). Past
 * MAX_BACKLOG waiting, a write indexes in its own transaction again, which bounds what a
 * search may have to index before it runs (MAX_BACKLOG × ~25 µs).
 */
import type Database from 'better-sqlite3';
import type { FullTextIndex } from './full-text-index.js';
import { parseTags } from './fts-rebuild.js';

/** Entries waiting that start a catch-up on the next turn. */
export const BATCH = 256;
/** The longest an entry waits for a catch-up when fewer than BATCH wait. */
export const MAX_DELAY_MS = 500;
/** Entries waiting beyond which writes index in their own transaction again. */
export const MAX_BACKLOG = 2048;
/** Entries read per statement during a catch-up (contents can be large). */
const PAGE = 64;

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
  private readonly catchUp: () => void;

  constructor(
    private readonly db: Database.Database,
    private readonly index: FullTextIndex,
  ) {
    this.stmts = {
      add: db.prepare('INSERT OR IGNORE INTO memory_fts_pending (rowid) VALUES (?)'),
      remove: db.prepare('DELETE FROM memory_fts_pending WHERE rowid = ?'),
      page: db
        .prepare(
          `SELECT p.rowid, e.namespace, e.key, e.content, e.tags
           FROM memory_fts_pending p JOIN memory_entries e ON e.rowid = p.rowid
           WHERE p.rowid > ? ORDER BY p.rowid LIMIT ?`,
        )
        .raw(),
      clear: db.prepare('DELETE FROM memory_fts_pending'),
      count: db.prepare('SELECT count(*) FROM memory_fts_pending').pluck(),
    };
    this.catchUp = db.transaction(() => {
      for (let after = -Infinity; ;) {
        const rows = this.stmts.page.all(after, PAGE) as [number, string, string, string, string][];
        for (const [rowid, namespace, key, content, tags] of rows) {
          this.index.index(rowid, namespace, key, content, parseTags(rowid, tags));
        }
        if (rows.length < PAGE) break;
        after = rows.at(-1)![0];
      }
      this.stmts.clear.run();
    });
    // Rows a crash left behind: a read-only connection (a read worker) leaves them to the daemon.
    if (!db.readonly) {
      this.backlog = this.stmts.count.get() as number;
      if (this.backlog > 0) this.schedule();
    }
  }

  /** Entries waiting to be indexed (as counted here). */
  get waiting(): number {
    return this.backlog;
  }

  /**
   * Inside a write's transaction: the entry at `rowid` now has `text`; `replaced` when it
   * existed before this write (its old FTS5 row, if it has one, must go).
   */
  write(rowid: number, text: EntryText, replaced: boolean): void {
    if (this.backlog >= MAX_BACKLOG) {
      const wasPending = this.stmts.remove.run(rowid).changes === 1;
      if (replaced && !wasPending) this.index.unindex(rowid, text.namespace);
      this.index.index(rowid, text.namespace, text.key, text.content, text.tags);
      return;
    }
    if (this.stmts.add.run(rowid).changes === 0) return; // waiting already: its FTS5 row is gone
    if (replaced) this.index.unindex(rowid, text.namespace);
    this.backlog++;
    this.schedule();
  }

  /** Indexes every entry waiting, in one transaction (a no-op on a read-only connection). */
  flush(): void {
    this.cancel();
    if (this.backlog === 0 || !this.db.open || this.db.readonly) return;
    this.catchUp();
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
    try {
      this.flush();
    } catch {
      this.cancel();
    }
  }
}
