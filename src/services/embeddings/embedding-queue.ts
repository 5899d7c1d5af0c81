/**
 * The background worker that embeds new and changed entries off the request path.
 * `memory.store` only adds a rowid to a set (deduplicated, bounded) after its write; a
 * timer picks batches from the set and hands them to `process`, one batch in flight at
 * a time. A failing batch goes back to the front and is retried after 1 s, 5 s and 30 s;
 * after that it is counted as failed and left for `memory.reindex`. Nothing here can
 * fail or slow a write: the set is the only shared state, and adding to it is O(1).
 *
 * On shutdown the queue is dropped, not flushed (a provider may be slow or gone, and
 * shutdown must stay within its grace period): those entries keep no vector until
 * `aistack memory reindex`, and full-text search finds them meanwhile.
 */

export interface BatchOutcome {
  embedded: number;
  /** Changed or deleted since they were queued, or already embedded. */
  skipped: number;
  /** Rejected one by one by the provider (e.g. a text it refuses). */
  failed: number;
}

export interface QueueStats extends BatchOutcome {
  /** Waiting in the queue now. */
  queued: number;
  /** Not queued because the queue was full. */
  dropped: number;
  lastError: string | null;
}

export interface EmbeddingQueueOptions {
  batchSize: number;
  /** Embeds and stores one batch; throws when the batch should be retried. */
  process: (rowids: number[], signal: AbortSignal) => Promise<BatchOutcome>;
  /** Told once a batch has failed every retry. */
  onGiveUp?: (err: unknown, rowids: number) => void;
  retryDelaysMs?: readonly number[];
  maxQueued?: number;
  /** Waits between retries; the signal ends the wait at shutdown. */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
}

const DEFAULT_RETRY_DELAYS_MS = [1_000, 5_000, 30_000];

function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    timer.unref();
    signal.addEventListener('abort', done, { once: true });
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
  });
}

export class EmbeddingQueue {
  private pending = new Set<number>();
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private stopped = false;
  private readonly controller = new AbortController();
  private readonly stats: Omit<QueueStats, 'queued'> = {
    embedded: 0,
    skipped: 0,
    failed: 0,
    dropped: 0,
    lastError: null,
  };

  constructor(private readonly options: EmbeddingQueueOptions) {}

  /** Queues an entry for embedding (after its write has committed or will have, by the next tick). */
  add(rowid: number): void {
    if (this.stopped) return;
    if (!this.pending.has(rowid) && this.pending.size >= (this.options.maxQueued ?? 100_000)) {
      this.stats.dropped++;
      return;
    }
    this.pending.add(rowid);
    this.schedule();
  }

  delete(rowid: number): void {
    this.pending.delete(rowid);
  }

  snapshot(): QueueStats {
    return { ...this.stats, queued: this.pending.size };
  }

  /** Whether nothing is queued or being embedded. */
  get idle(): boolean {
    return this.pending.size === 0 && !this.running;
  }

  /** Stops the worker, cancels the batch in flight and drops the queue; returns how many were dropped. */
  stop(): number {
    this.stopped = true;
    clearTimeout(this.timer);
    this.controller.abort();
    const dropped = this.pending.size;
    this.pending.clear();
    return dropped;
  }

  private schedule(): void {
    if (this.running || this.timer || this.stopped) return;
    // A short delay gathers the writes of a burst into one batch.
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.drain();
    }, 10);
    this.timer.unref();
  }

  private take(): number[] {
    const batch: number[] = [];
    for (const rowid of this.pending) {
      batch.push(rowid);
      this.pending.delete(rowid);
      if (batch.length >= this.options.batchSize) break;
    }
    return batch;
  }

  private async drain(): Promise<void> {
    this.running = true;
    const delays = this.options.retryDelaysMs ?? DEFAULT_RETRY_DELAYS_MS;
    const sleep = this.options.sleep ?? abortableSleep;
    const signal = this.controller.signal;
    let attempt = 0;
    try {
      while (!this.stopped && this.pending.size > 0) {
        const batch = this.take();
        try {
          const r = await this.options.process(batch, signal);
          this.stats.embedded += r.embedded;
          this.stats.skipped += r.skipped;
          this.stats.failed += r.failed;
          attempt = 0;
        } catch (err) {
          if (this.stopped) return;
          this.stats.lastError = err instanceof Error ? err.message : String(err);
          if (attempt < delays.length) {
            this.pending = new Set([...batch, ...this.pending]);
            await sleep(delays[attempt++]!, signal);
          } else {
            this.stats.failed += batch.length;
            this.options.onGiveUp?.(err, batch.length);
            attempt = 0;
          }
        }
      }
    } finally {
      this.running = false;
      if (!this.stopped && this.pending.size > 0) this.schedule();
    }
  }
}
