/**
 * `memory.search` in its three modes. `fts`: BM25 over the full-text index, with
 * statistics over what the caller may read (fts-rank.ts). `vector`:
 * cosine similarity to the query's embedding. `hybrid`: reciprocal-rank fusion
 * (k = 60) of the top 50 of each, so an entry found by meaning and one with no
 * embedding at all (found by its words) both come through. Every mode reads under the
 * same Scope and filters, in SQL; each result says how it matched and its scores.
 *
 * Hybrid degrades to full-text when the query cannot be embedded and says so in
 * `degraded`; an explicit `vector` search fails with the provider's error instead.
 *
 * Nothing in an answer depends on entries the caller cannot see: full-text candidates
 * and statistics come from visible rows only, vector candidates are picked among visible
 * vectors with ties broken by row (vector-index.ts), and fusion uses only those two.
 */
import { AppError } from '../../core/errors.js';
import type { Filters, Scope } from '../../store/memory/memory-scope.js';
import type { ListSort, MemoryStore, SizedEntry } from '../../store/memory/memory-store.js';
import { TIME_SORT_DEPTH } from '../../protocol/memory-time.js';
import type { EmbeddingService } from '../embeddings/embeddings.js';
import { filtersOf } from '../reads/read-tasks.js';
import { InlineReads, type ReadCall, type Reads } from '../reads/reads.js';
import { buildFtsQuery, type FtsQuery } from './fts-query.js';
import { rankFullText } from './fts-rank.js';
import {
  SNIPPET_SCAN_CHARS,
  searchOffset,
  searchPage,
  type SearchPage,
  type SearchPageOptions,
} from './search-page.js';
import { makeSnippet } from './snippet.js';

export type SearchMode = 'fts' | 'vector' | 'hybrid';

export interface SearchScores {
  /** BM25, higher is better (full-text matches), over the entries the caller may read. */
  bm25?: number;
  /** Cosine similarity of the entry's embedding to the query's. */
  cosine?: number;
  /** Reciprocal-rank fusion score (hybrid). */
  rrf?: number;
}

export interface SearchResult {
  entry: SizedEntry;
  /** The score results are ordered by: bm25, cosine or rrf, by mode. */
  score: number;
  matchType: SearchMode;
  scores: SearchScores;
  snippet: string;
}

/** A page of `memory.search`: previews (or small whole contents) within the reply budget. */
export interface SearchResponse extends SearchPage {
  mode: SearchMode;
  /** Set when hybrid fell back to full-text only, with why. */
  degraded?: string;
}

export interface SearchRequest {
  query: string;
  limit: number;
  offset: number;
  match?: 'all' | 'any' | undefined;
  mode?: SearchMode | undefined;
  /** Put the best TIME_SORT_DEPTH matches in time order (full-text mode only). */
  sort?: ListSort | undefined;
}

export const RRF_K = 60;
/** How deep vector and hybrid results go (offset + limit): each page costs its depth. */
export const VECTOR_DEPTH_MAX = 1000;
/** How deep each ranking goes into a hybrid fusion (deeper when the page is). */
export const HYBRID_DEPTH = 50;

interface Ranked {
  rowid: number;
  entry?: SizedEntry;
  bm25?: number;
  cosine?: number;
  rrf: number;
}

const result = (
  entry: SizedEntry,
  score: number,
  matchType: SearchMode,
  scores: SearchScores,
  q: FtsQuery,
): SearchResult => ({
  entry,
  score,
  matchType,
  scores,
  snippet: makeSnippet(entry.content, q.terms),
});

/** A read from inside the daemon (a task's prompt), not for a connection. */
const INTERNAL_READ: ReadCall = { key: 'internal' };

export class MemorySearch {
  /** Where the slow reads run (the read pool in the daemon; see services/reads). */
  private readonly reads: Reads;

  constructor(
    private readonly store: MemoryStore,
    private readonly embeddings?: EmbeddingService,
    reads?: Reads,
  ) {
    this.reads = reads ?? new InlineReads({ memory: store });
  }

  /** The mode a search without one gets: hybrid when embeddings are on. */
  get defaultMode(): SearchMode {
    return this.embeddings?.enabled ? 'hybrid' : 'fts';
  }

  /**
   * Full-text only, synchronous: whole entries (the path task prompts and the benchmark
   * baseline use), or with `page` a page of previews within the reply budget.
   */
  fts(p: SearchRequest, scope: Scope, filters: Filters): SearchResult[];
  fts(p: SearchRequest, scope: Scope, filters: Filters, page: SearchPageOptions): SearchResponse;
  fts(
    p: SearchRequest,
    scope: Scope,
    filters: Filters,
    page?: SearchPageOptions,
  ): SearchResult[] | SearchResponse {
    const q = buildFtsQuery(p.query, p.match ?? 'all');
    const offset = page ? searchOffset(p.offset, page.cursor) : p.offset;
    const chars = page && !page.content ? SNIPPET_SCAN_CHARS : undefined;
    const depth = p.sort ? TIME_SORT_DEPTH : offset + p.limit;
    const ranked = rankFullText(this.store, q, scope, filters, depth, undefined, chars);
    if (p.sort) ranked.sort(byTime(p.sort));
    const results = ranked
      .slice(offset, offset + p.limit)
      .map((r) => result(r.entry, r.score, 'fts', { bm25: r.score }, q));
    return page ? this.response(results, 'fts', offset, p.limit, page) : results;
  }

  /** `memory.search` in any mode: a page within the reply budget. */
  async run(
    p: SearchRequest,
    scope: Scope,
    filters: Filters,
    page: SearchPageOptions = {},
    call: ReadCall = INTERNAL_READ,
  ): Promise<SearchResponse> {
    const mode = p.mode ?? (p.sort ? 'fts' : this.defaultMode);
    if (p.sort) checkTimeSort(mode, searchOffset(p.offset, page.cursor) + p.limit);
    // A read pool worker sees only what is committed: the full-text rows written behind
    // go in first, so every write acknowledged before this search is found.
    if (mode !== 'vector') this.store.flushFullText();
    if (mode === 'fts') {
      const request = {
        query: p.query,
        limit: p.limit,
        offset: p.offset,
        match: p.match,
        sort: p.sort,
      };
      return this.reads.run(
        'memory.fts',
        { request, scope, filters: filtersOf(filters), page },
        call,
      );
    }
    const embeddings = this.embeddings;
    if (!embeddings?.enabled) {
      throw new AppError(
        'FEATURE_DISABLED',
        `${mode} search needs embeddings: set memory.embeddings.enabled to true, or use mode "fts"`,
        { feature: 'memory.embeddings' },
      );
    }
    const q = buildFtsQuery(p.query, p.match ?? 'all');
    const offset = searchOffset(p.offset, page.cursor);
    const depth = offset + p.limit;
    if (depth > VECTOR_DEPTH_MAX) {
      throw new AppError(
        'INVALID_PARAMS',
        `${mode} search returns at most the first ${VECTOR_DEPTH_MAX} results (offset + limit ≤ ${VECTOR_DEPTH_MAX})`,
        { issues: [{ path: ['offset'], message: `offset + limit ≤ ${VECTOR_DEPTH_MAX}` }] },
      );
    }
    const chars = page.content ? undefined : SNIPPET_SCAN_CHARS;
    if (mode === 'vector') {
      const vector = await embeddings.embedQuery(p.query);
      // The scan of the in-memory index stays on this thread (it holds the index): at
      // 100k entries × 384 dimensions, 10-14 ms at best measured on the busy 2-core dev
      // VM. Only fetching the entries goes to the read pool.
      const hits = await embeddings.vectorSearch(vector, scope, filters, depth);
      const slice = hits.slice(offset);
      const entries = await this.entries(slice, scope, filters, chars, call);
      return this.response(
        slice.flatMap((h) => {
          const entry = entries.get(h.rowid);
          return entry ? [result(entry, h.cosine, 'vector', { cosine: h.cosine }, q)] : [];
        }),
        mode,
        offset,
        p.limit,
        page,
      );
    }
    return this.hybrid(
      p,
      q,
      scope,
      filters,
      { offset, depth: Math.max(HYBRID_DEPTH, depth), chars, page },
      call,
    );
  }

  private async hybrid(
    p: SearchRequest,
    q: FtsQuery,
    scope: Scope,
    filters: Filters,
    at: { offset: number; depth: number; chars: number | undefined; page: SearchPageOptions },
    call: ReadCall,
  ): Promise<SearchResponse> {
    const { depth, chars } = at;
    const embeddings = this.embeddings!;
    const vectorHits = embeddings
      .embedQuery(p.query, true)
      .then((v) => embeddings.vectorSearch(v, scope, filters, depth));
    vectorHits.catch(() => {}); // handled below; never an unhandled rejection
    // On the read pool while the query is being embedded.
    const fts = await this.reads.run(
      'memory.rank',
      { q, scope, filters: filtersOf(filters), depth, chars },
      call,
    );
    const byRow = new Map<number, Ranked>();
    fts.forEach((r, i) =>
      byRow.set(r.rowid, {
        rowid: r.rowid,
        entry: r.entry,
        bm25: r.score,
        rrf: 1 / (RRF_K + i + 1),
      }),
    );
    let degraded: string | undefined;
    try {
      (await vectorHits).forEach((h, i) => {
        const ranked = byRow.get(h.rowid) ?? { rowid: h.rowid, rrf: 0 };
        ranked.cosine = h.cosine;
        ranked.rrf += 1 / (RRF_K + i + 1);
        byRow.set(h.rowid, ranked);
      });
    } catch (err) {
      if (!(err instanceof AppError) || err.code !== 'PROVIDER_FAILURE') throw err;
      degraded = `vector unavailable: ${err.message}`;
    }
    const page = [...byRow.values()]
      // Equal fused scores (the same rank in either list): the words matched wins.
      .sort(
        (a, b) =>
          b.rrf - a.rrf ||
          Number(b.bm25 !== undefined) - Number(a.bm25 !== undefined) ||
          (b.cosine ?? -2) - (a.cosine ?? -2) ||
          (b.bm25 ?? 0) - (a.bm25 ?? 0) ||
          a.rowid - b.rowid,
      )
      .slice(at.offset, at.offset + p.limit);
    const fetched = await this.entries(
      page.filter((r) => !r.entry),
      scope,
      filters,
      chars,
      call,
    );
    const results = page.flatMap((r) => {
      const entry = r.entry ?? fetched.get(r.rowid);
      if (!entry) return [];
      const matchType: SearchMode =
        r.bm25 !== undefined && r.cosine !== undefined
          ? 'hybrid'
          : r.cosine !== undefined
            ? 'vector'
            : 'fts';
      const scores: SearchScores = { rrf: r.rrf };
      if (r.bm25 !== undefined) scores.bm25 = r.bm25;
      if (r.cosine !== undefined) scores.cosine = r.cosine;
      return [result(entry, r.rrf, matchType, scores, q)];
    });
    return this.response(results, 'hybrid', at.offset, p.limit, at.page, degraded);
  }

  /** Entries for vector hits, read again under the caller's scope and filters. */
  private async entries(
    hits: { rowid: number }[],
    scope: Scope,
    filters: Filters,
    chars: number | undefined,
    call: ReadCall,
  ): Promise<Map<number, SizedEntry>> {
    if (hits.length === 0) return new Map();
    const rowids = hits.map((h) => h.rowid);
    return this.reads.run(
      'memory.entriesByRowid',
      { rowids, scope, filters: filtersOf(filters), chars },
      call,
    );
  }

  private response(
    results: SearchResult[],
    mode: SearchMode,
    offset: number,
    limit: number,
    page: SearchPageOptions,
    degraded?: string,
  ): SearchResponse {
    return {
      ...searchPage(results, offset, limit, page),
      mode,
      ...(degraded ? { degraded } : {}),
    };
  }
}

/** Newest (or oldest) first by the sort's time, ties by row order of the ranking. */
function byTime(sort: ListSort) {
  const at = (e: SizedEntry) => Date.parse(sort.by === 'created' ? e.createdAt : e.updatedAt);
  const sign = sort.order === 'asc' ? 1 : -1;
  return (a: { entry: SizedEntry }, b: { entry: SizedEntry }) => sign * (at(a.entry) - at(b.entry));
}

/** INVALID_PARAMS unless a time-sorted search is full-text and within TIME_SORT_DEPTH. */
function checkTimeSort(mode: SearchMode, depth: number): void {
  if (mode !== 'fts') {
    throw new AppError('INVALID_PARAMS', `sort by time is for mode "fts" (not ${mode})`, {
      issues: [{ path: ['sort'], message: 'with sort updated or created, use mode fts' }],
    });
  }
  if (depth > TIME_SORT_DEPTH) {
    throw new AppError(
      'INVALID_PARAMS',
      `a search sorted by time covers the best ${TIME_SORT_DEPTH} matches (offset + limit ≤ ${TIME_SORT_DEPTH})`,
      { issues: [{ path: ['offset'], message: `offset + limit ≤ ${TIME_SORT_DEPTH}` }] },
    );
  }
}
