/**
 * Vector search: the in-memory index (built from the stored vectors in the background
 * at start, then kept in step with every write and delete), the query's embedding
 * (short timeout, a small cache, and — for hybrid searches — a pause after a failure,
 * so a dead provider costs one timeout every few seconds rather than one per search; an
 * explicit vector search always tries), and the search itself: the index's sign-bit
 * scan and int8 rerank pick the nearest few, whose float32 vectors are then read in SQL
 * under the caller's scope and filters for exact scores — so what is returned is always
 * what the caller may see.
 */
import { setImmediate as yieldToEvents } from 'node:timers/promises';
import { AppError } from '../../core/errors.js';
import {
  blobToVector,
  type EmbeddingModel,
  type EmbeddingStore,
} from '../../store/embeddings/embedding-store.js';
import {
  hasFilters,
  scopeAllows,
  type Filters,
  type Scope,
} from '../../store/memory/memory-scope.js';
import type { EntryChange } from '../../store/memory/memory-store.js';
import { VectorIndex } from './vector-index.js';

const BUILD_PAGE = 2000;
const QUERY_CACHE = 256;
/** After a failed query embedding, searches skip the provider this long. */
const PAUSE_AFTER_FAILURE_MS = 5_000;

export interface VectorHit {
  rowid: number;
  cosine: number;
}

export function cosine(a: Float32Array, b: Float32Array): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    dot += x * y;
    na += x * x;
    nb += y * y;
  }
  return na > 0 && nb > 0 ? dot / Math.sqrt(na * nb) : 0;
}

export interface VectorSearchOptions {
  store: EmbeddingStore;
  /** Embeds one query text (the provider call, with its own signal). */
  embed: (text: string, signal: AbortSignal) => Promise<Float32Array>;
  providerName: string;
  queryTimeoutMs: number;
  vectorCandidates: number;
}

export class VectorSearch {
  private index: VectorIndex | undefined;
  private indexKey = '';
  private building: Promise<VectorIndex> | undefined;
  private built = false;
  private stopped = false;
  private readonly queryCache = new Map<string, Float32Array>();
  private pausedUntil = 0;
  private lastFailure: AppError | undefined;

  constructor(private readonly options: VectorSearchOptions) {}

  /** The index for `model`, built on first use (or by `warm`) from the stored vectors. */
  ready(model: EmbeddingModel): Promise<VectorIndex> {
    const key = `${model.model}\u0000${model.dimensions}`;
    if (this.building && this.indexKey === key) return this.building;
    this.indexKey = key;
    this.built = false;
    const index = new VectorIndex(model.dimensions);
    this.index = index;
    this.building = this.build(index, model);
    return this.building;
  }

  get status(): { indexed: number; indexReady: boolean } {
    return { indexed: this.index?.size ?? 0, indexReady: this.built };
  }

  /** Keeps the index in step with the table (called inside the write's transaction). */
  apply(change: EntryChange): void {
    const index = this.index;
    if (!index) return;
    if (change.kind === 'written' && change.contentChanged) index.delete(change.rowid);
    else if (change.kind === 'deleted') index.delete(change.rowid);
    else if (change.kind === 'namespace-deleted') index.deleteNamespace(change.namespace);
  }

  /** Records freshly stored vectors (after their transaction committed). */
  added(model: EmbeddingModel, rows: { rowid: number; namespace: string; vector: Float32Array }[]) {
    const key = `${model.model}\u0000${model.dimensions}`;
    if (!this.index || this.indexKey !== key) return;
    for (const r of rows) this.index.set(r.rowid, r.namespace, r.vector);
  }

  /** Rebuilds the index from the table (after a reindex, or when in doubt). */
  rebuild(model: EmbeddingModel): Promise<VectorIndex> {
    this.building = undefined;
    return this.ready(model);
  }

  stop(): void {
    this.stopped = true;
  }

  private async build(index: VectorIndex, model: EmbeddingModel) {
    // Writes that land during the build update `index` directly; each page re-reads the
    // table, so the result is the same as a build with no writes in between.
    let after = 0;
    for (;;) {
      if (this.stopped) return index;
      const page = this.options.store.vectorsPage(model, after, BUILD_PAGE);
      if (this.index !== index) return index;
      for (const row of page) index.set(row.rowid, row.namespace, blobToVector(row.vector));
      if (page.length < BUILD_PAGE) break;
      after = page.at(-1)!.rowid;
      await yieldToEvents();
    }
    if (this.index === index) this.built = true;
    return index;
  }

  /**
   * The query's vector; PROVIDER_FAILURE when the provider fails or is too slow. With
   * `orPause`, fails at once (with the last failure) for a few seconds after a failure.
   */
  async embedQuery(text: string, model: EmbeddingModel, orPause = false): Promise<Float32Array> {
    const key = `${model.model}\u0000${model.dimensions}\u0000${text}`;
    const cached = this.queryCache.get(key);
    if (cached) {
      this.queryCache.delete(key); // most recently used goes last
      this.queryCache.set(key, cached);
      return cached;
    }
    // Wall-clock time, not the daemon's (test) clock: this pause is about the provider.
    const now = Date.now;
    if (orPause && now() < this.pausedUntil && this.lastFailure) throw this.lastFailure;
    const signal = AbortSignal.timeout(this.options.queryTimeoutMs);
    try {
      const vector = await this.options.embed(text, signal);
      this.pausedUntil = 0;
      this.queryCache.set(key, vector);
      if (this.queryCache.size > QUERY_CACHE) {
        this.queryCache.delete(this.queryCache.keys().next().value!);
      }
      return vector;
    } catch (err) {
      const failure = signal.aborted
        ? new AppError(
            'PROVIDER_FAILURE',
            `${this.options.providerName} gave no embedding for the query within ${this.options.queryTimeoutMs} ms; check the provider or raise memory.embeddings.queryTimeoutMs`,
            { provider: this.options.providerName, reason: 'timeout' },
          )
        : err instanceof AppError
          ? err
          : new AppError('PROVIDER_FAILURE', 'the query could not be embedded', {
              provider: this.options.providerName,
            });
      this.lastFailure = failure;
      this.pausedUntil = now() + PAUSE_AFTER_FAILURE_MS;
      throw failure;
    }
  }

  /**
   * The `depth` entries nearest to `query` by cosine that the scope and filters allow,
   * best first. Candidates come from the index; the scores and the rows from SQL.
   */
  async search(
    query: Float32Array,
    model: EmbeddingModel,
    scope: Scope,
    filters: Filters,
    depth: number,
  ): Promise<VectorHit[]> {
    const index = await this.ready(model);
    const want = Math.max(this.options.vectorCandidates, depth * 10);
    // A few more than asked get exact scores, as the int8 order can swap near-ties.
    const exact = depth + Math.max(10, depth);
    const visible = (ns: string) => scopeAllows(scope, ns);
    let candidates: number[];
    if (hasFilters(filters)) {
      // Tags and agents live in SQL: ask it which vectors qualify; few → score them all.
      const allowed = this.options.store.scopedRowids(model, scope, filters, 1_000_000);
      candidates =
        allowed.length <= want
          ? allowed
          : index.nearest(query, exact, want, visible, new Set(allowed)).map((h) => h.rowid);
    } else {
      candidates = index.nearest(query, exact, want, visible).map((h) => h.rowid);
    }
    const rows = this.options.store.scopedVectors(candidates, model, scope, filters);
    return rows
      .map((r) => ({ rowid: r.rowid, cosine: cosine(query, blobToVector(r.vector)) }))
      .sort((a, b) => b.cosine - a.cosine || a.rowid - b.rowid)
      .slice(0, depth);
  }
}
