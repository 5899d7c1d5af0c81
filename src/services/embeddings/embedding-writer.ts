/**
 * Turning entries into stored vectors: one provider call per batch (texts cut to
 * MAX_EMBED_CHARS, since models have an input limit and one over-long text must not fail
 * a whole batch), a text the provider refuses retried alone so it fails by itself, and
 * one transaction per batch that stores each vector only if its entry is still the
 * text that was embedded (same id and version). Used by the background queue and by
 * reindex alike.
 */
import { AppError } from '../../core/errors.js';
import type {
  EmbeddingModel,
  EmbeddingStore,
  PendingRow,
} from '../../store/embeddings/embedding-store.js';
import type { BatchOutcome } from './embedding-queue.js';
import type { EmbeddingSettings } from './embedding-settings.js';
import type { Provider } from '../providers/provider.js';
import type { ProviderRegistry } from '../providers/registry.js';

export const MAX_EMBED_CHARS = 8_000;

type Embedder = Provider & Required<Pick<Provider, 'embed'>>;

export interface StoredVector {
  rowid: number;
  namespace: string;
  vector: Float32Array;
}

export interface EmbeddingWriterOptions {
  embeddings: EmbeddingStore;
  providers: Pick<ProviderRegistry, 'embedder'>;
  settings: EmbeddingSettings;
  now: () => number;
  /** Told of the vectors a batch stored, after its transaction committed. */
  onStored: (model: EmbeddingModel, stored: StoredVector[]) => void;
}

const reasonOf = (err: unknown) =>
  err instanceof AppError ? (err.data?.reason as string | undefined) : undefined;

export class EmbeddingWriter {
  constructor(private readonly options: EmbeddingWriterOptions) {}

  private get settings(): EmbeddingSettings {
    return this.options.settings;
  }

  get model(): EmbeddingModel {
    return { model: this.settings.model, dimensions: this.settings.dimensions };
  }

  /** The provider, checked to embed with the configured model (PROVIDER_FAILURE if not). */
  provider(): Embedder {
    const provider = this.options.providers.embedder(this.settings.provider);
    if (provider.embeddingModel !== this.settings.model) {
      // The registry was built without withEmbeddingModel: vectors would be mislabelled.
      throw new AppError(
        'PROVIDER_FAILURE',
        `provider ${this.settings.provider} embeds with ${provider.embeddingModel ?? 'no model'}, not the configured ${this.settings.model}`,
        { provider: this.settings.provider, reason: 'not_configured' },
      );
    }
    return provider;
  }

  async embedTexts(texts: string[], signal: AbortSignal): Promise<Float32Array[]> {
    const result = await this.provider().embed(
      texts.map((t) => t.slice(0, MAX_EMBED_CHARS)),
      { signal, dimensions: this.settings.dimensions },
    );
    return result.vectors;
  }

  /** Embeds and stores rows; a text the provider refuses fails alone, not its batch. */
  async embedRows(rows: PendingRow[], signal: AbortSignal): Promise<BatchOutcome> {
    let vectors: Float32Array[];
    try {
      vectors = await this.embedTexts(
        rows.map((r) => r.content),
        signal,
      );
    } catch (err) {
      const reason = reasonOf(err);
      if (signal.aborted || (reason !== 'rejected' && reason !== 'bad_response')) throw err;
      if (rows.length === 1) return { embedded: 0, skipped: 0, failed: 1 };
      const total: BatchOutcome = { embedded: 0, skipped: 0, failed: 0 };
      for (const row of rows) {
        const r = await this.embedRows([row], signal);
        total.embedded += r.embedded;
        total.skipped += r.skipped;
        total.failed += r.failed;
      }
      return total;
    }
    if (signal.aborted) throw new Error('stopped');
    const model = this.model;
    const at = this.options.now();
    const stored = this.options.embeddings.transaction(() =>
      rows.flatMap((row, i) =>
        this.options.embeddings.write(row, model, vectors[i]!, at)
          ? [{ rowid: row.rowid, namespace: row.namespace, vector: vectors[i]! }]
          : [],
      ),
    );
    this.options.onStored(model, stored);
    return { embedded: stored.length, skipped: rows.length - stored.length, failed: 0 };
  }

  /** Embeds those of `rowids` that still need a vector (for the background queue). */
  async embedQueued(rowids: number[], signal: AbortSignal): Promise<BatchOutcome> {
    const rows = this.options.embeddings.missingAmong(rowids, this.model);
    const skipped = rowids.length - rows.length;
    if (rows.length === 0) return { embedded: 0, skipped, failed: 0 };
    const r = await this.embedRows(rows, signal);
    return { ...r, skipped: r.skipped + skipped };
  }
}
