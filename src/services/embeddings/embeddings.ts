/**
 * Embeddings for memory entries. With `memory.embeddings.enabled`, every write queues
 * its entry; a background worker (EmbeddingQueue) embeds batches through the configured
 * provider (EmbeddingWriter) and stores each vector with its model and size, but only
 * if the entry is still the text that was embedded; the vector index (VectorSearch)
 * follows every write and delete. `reindex` embeds what is missing or was made by
 * another model, with progress; `status` counts what is where. A slow or failing
 * provider never touches `memory.store`: the write path only adds a rowid to a set.
 */
import type { Logger } from 'pino';
import { AppError } from '../../core/errors.js';
import type { EmbeddingModel, EmbeddingStore } from '../../store/embeddings/embedding-store.js';
import type { Filters, Scope } from '../../store/memory/memory-scope.js';
import type { EntryChange, MemoryStore } from '../../store/memory/memory-store.js';
import { EmbeddingQueue } from './embedding-queue.js';
import type { EmbeddingSettings } from './embedding-settings.js';
import { EmbeddingWriter } from './embedding-writer.js';
import type { ProviderRegistry } from '../providers/registry.js';
import { InlineReads, type Reads } from '../reads/reads.js';
import { VectorSearch, type VectorHit } from './vector-search.js';

const REINDEX_PROGRESS_MS = 100;

export interface EmbeddingServiceOptions {
  store: MemoryStore;
  embeddings: EmbeddingStore;
  providers: Pick<ProviderRegistry, 'embedder'>;
  settings: EmbeddingSettings;
  logger?: Pick<Logger, 'info' | 'warn'>;
  now?: () => number;
  /** Waits between background retries (tests shorten them). */
  retryDelaysMs?: readonly number[];
  /** Where reindex's scans of the table run (the daemon's read pool; default this thread). */
  reads?: Reads;
}

export interface ReindexResult {
  embedded: number;
  skipped: number;
  failed: number;
  /** Entries still without a current vector afterwards (in the namespace, if one was named). */
  remaining: number;
  /** Why the reindex stopped early, if it did. */
  error?: string;
}

export class EmbeddingService {
  readonly settings: EmbeddingSettings;
  private readonly queue: EmbeddingQueue;
  private readonly writer: EmbeddingWriter;
  private readonly vectors: VectorSearch;
  private readonly now: () => number;
  private readonly stopController = new AbortController();
  private readonly reads: Reads;
  private reindexing = false;

  constructor(private readonly options: EmbeddingServiceOptions) {
    this.settings = options.settings;
    this.reads =
      options.reads ?? new InlineReads({ memory: options.store, embeddings: options.embeddings });
    this.now = options.now ?? Date.now;
    this.writer = new EmbeddingWriter({
      embeddings: options.embeddings,
      providers: options.providers,
      settings: this.settings,
      now: this.now,
      onStored: (model, stored) => this.vectors.added(model, stored),
    });
    this.queue = new EmbeddingQueue({
      batchSize: this.settings.batchSize,
      retryDelaysMs: options.retryDelaysMs,
      process: (rowids, signal) => this.writer.embedQueued(rowids, signal),
      onGiveUp: (err, count) =>
        options.logger?.warn(
          { err: (err as Error).message, entries: count },
          'embedding failed after retries; `aistack memory reindex` will retry these entries',
        ),
    });
    this.vectors = new VectorSearch({
      store: options.embeddings,
      embed: async (text, signal) => (await this.writer.embedTexts([text], signal))[0]!,
      providerName: this.settings.provider,
      queryTimeoutMs: this.settings.queryTimeoutMs,
      vectorCandidates: this.settings.vectorCandidates,
    });
    if (this.settings.enabled) options.store.onChange((c) => this.onEntryChange(c));
  }

  get enabled(): boolean {
    return this.settings.enabled;
  }

  /** The model whose vectors are current. */
  get model(): EmbeddingModel {
    return { model: this.settings.model, dimensions: this.settings.dimensions };
  }

  /** Starts building the vector index in the background and says what is missing. */
  start(): void {
    if (!this.enabled) return;
    const missing = this.options.embeddings.countMissing(this.model);
    if (missing > 0) {
      this.options.logger?.info(
        { missing, model: this.settings.model },
        'entries without a current embedding; run `aistack memory reindex` to embed them',
      );
    }
    void this.vectors.ready(this.model);
  }

  /** Stops the worker and any reindex; drops the queue (see EmbeddingQueue). */
  stop(): void {
    this.stopController.abort();
    this.vectors.stop();
    const dropped = this.queue.stop();
    if (dropped > 0) {
      this.options.logger?.info({ dropped }, 'embedding queue dropped at shutdown');
    }
  }

  private onEntryChange(change: EntryChange): void {
    this.vectors.apply(change);
    if (change.kind === 'written') this.queue.add(change.rowid);
    else if (change.kind === 'deleted') this.queue.delete(change.rowid);
  }

  private assertEnabled(): void {
    if (!this.enabled) {
      throw new AppError(
        'FEATURE_DISABLED',
        'embeddings are off: set memory.embeddings.enabled to true (with providers.openai or providers.ollama configured) and restart the daemon',
        { feature: 'memory.embeddings' },
      );
    }
  }

  /**
   * Embeds entries (of one namespace, or all) that have no vector for the current model,
   * at most `limit`, a batch at a time; `progress` hears `done` of `total` as it goes.
   */
  async reindex(
    p: { namespace?: string | undefined; limit?: number | undefined },
    progress: (done: number, total: number) => void,
    signal?: AbortSignal,
  ): Promise<ReindexResult> {
    this.assertEnabled();
    if (this.reindexing) throw new AppError('CONFLICT', 'a reindex is already running');
    this.writer.provider(); // fail now, with the provider's message, if it cannot embed
    this.reindexing = true;
    const stop = signal
      ? AbortSignal.any([signal, this.stopController.signal])
      : this.stopController.signal;
    const model = this.model;
    const result: ReindexResult = { embedded: 0, skipped: 0, failed: 0, remaining: 0 };
    const namespace = p.namespace;
    // Its scans of the table run on the read pool; the writes stay on this thread.
    const scan = { key: 'memory.reindex', label: 'memory.reindex', signal: stop };
    const countMissing = (call: typeof scan | { key: string }) =>
      this.reads.run(
        'embeddings.countMissing',
        { model, ...(namespace ? { namespace } : {}) },
        call,
      );
    try {
      const missing = await countMissing(scan);
      const total = Math.min(p.limit ?? missing, missing);
      let done = 0;
      let after = 0;
      let told = 0;
      progress(0, total);
      while (done < total && !stop.aborted) {
        const size = Math.min(this.settings.batchSize, total - done);
        const page = { model, after, limit: size, ...(namespace ? { namespace } : {}) };
        const rows = await this.reads.run('embeddings.missingPage', page, scan).catch((err) => {
          if (stop.aborted) return [];
          throw err;
        });
        if (rows.length === 0) break;
        after = rows.at(-1)!.rowid;
        try {
          const r = await this.writer.embedRows(rows, stop);
          result.embedded += r.embedded;
          result.skipped += r.skipped;
          result.failed += r.failed;
        } catch (err) {
          if (stop.aborted) break;
          // The provider is failing for every text, not one: stop rather than hammer it.
          if (result.embedded === 0) throw err;
          result.failed += rows.length;
          result.error = (err as Error).message;
          break;
        }
        done += rows.length;
        if (Date.now() - told >= REINDEX_PROGRESS_MS || done >= total) {
          told = Date.now();
          progress(done, total);
        }
      }
      if (this.stopController.signal.aborted) {
        throw new AppError(
          'SHUTTING_DOWN',
          `the daemon is stopping (${result.embedded} embedded so far); run reindex again after it restarts`,
        );
      }
      if (stop.aborted && !result.error) result.error = 'cancelled';
      const { indexed, indexReady } = this.vectors.status;
      const { embedded } = this.options.embeddings.counts(model);
      // The index follows every write; should it ever disagree with the table, rebuild it.
      if (indexReady && indexed !== embedded) void this.vectors.rebuild(model);
      result.remaining = await countMissing({ key: 'memory.reindex' });
      return result;
    } finally {
      this.reindexing = false;
    }
  }

  status() {
    const model = this.model;
    const counts = this.options.embeddings.counts(model);
    const queue = this.queue.snapshot();
    return {
      enabled: this.enabled,
      provider: this.settings.provider,
      model: model.model,
      dimensions: model.dimensions,
      entries: counts.entries,
      embedded: counts.embedded,
      missing: counts.entries - counts.embedded,
      /** Vectors made by another model or size; reindex replaces them. */
      stale: counts.stale,
      /** Waiting in the background queue. */
      queued: queue.queued,
      /** Nothing queued and no batch in flight. */
      idle: this.queue.idle,
      ...this.vectors.status,
      worker: {
        embedded: queue.embedded,
        skipped: queue.skipped,
        failed: queue.failed,
        dropped: queue.dropped,
        lastError: queue.lastError,
      },
      reindexing: this.reindexing,
    };
  }

  /**
   * The query's vector (PROVIDER_FAILURE when the provider fails or takes too long).
   * `orPause`: fail at once for a few seconds after a failure (hybrid, which falls back).
   */
  embedQuery(text: string, orPause = false): Promise<Float32Array> {
    this.assertEnabled();
    return this.vectors.embedQuery(text, this.model, orPause);
  }

  /** The `depth` nearest entries the scope and filters allow, by cosine. */
  vectorSearch(
    query: Float32Array,
    scope: Scope,
    filters: Filters,
    depth: number,
  ): Promise<VectorHit[]> {
    this.assertEnabled();
    return this.vectors.search(query, this.model, scope, filters, depth);
  }
}
