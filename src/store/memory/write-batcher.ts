/**
 * Group commit. Writes that arrive together (several clients, one event-loop turn) are
 * committed in one transaction, each inside its own savepoint so one failing write
 * does not take the others with it. A caller's promise settles only after the COMMIT,
 * so an acknowledged write is on disk (in the WAL) exactly as with one transaction per
 * write — there are just fewer commits, fewer FTS5 segments and fewer checkpoints.
 */
import type Database from 'better-sqlite3';

interface Pending {
  fn: () => unknown;
  resolve: (value: unknown) => void;
  reject: (err: unknown) => void;
}

export class WriteBatcher {
  private queue: Pending[] = [];
  private scheduled = false;
  private readonly commit: (
    batch: Pending[],
  ) => { ok: boolean; value?: unknown; error?: unknown }[];

  constructor(
    db: Database.Database,
    private readonly maxBatch = 256,
  ) {
    // Called inside the outer transaction, a better-sqlite3 transaction is a savepoint.
    const savepoint = db.transaction((fn: () => unknown) => fn());
    this.commit = db.transaction((batch: Pending[]) =>
      batch.map((p) => {
        try {
          return { ok: true, value: savepoint(p.fn) };
        } catch (error) {
          return { ok: false, error };
        }
      }),
    );
  }

  /** Runs `fn` inside the next group transaction; resolves once it has committed. */
  run<T>(fn: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ fn, resolve: resolve as (v: unknown) => void, reject });
      if (this.queue.length >= this.maxBatch) this.flush();
      else if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  /** Commits everything queued now (also used before shutdown). */
  flush(): void {
    this.scheduled = false;
    const batch = this.queue;
    if (batch.length === 0) return;
    this.queue = [];
    let outcomes;
    try {
      outcomes = this.commit(batch);
    } catch (err) {
      for (const p of batch) p.reject(err);
      return;
    }
    outcomes.forEach((o, i) => (o.ok ? batch[i]!.resolve(o.value) : batch[i]!.reject(o.error)));
  }
}
