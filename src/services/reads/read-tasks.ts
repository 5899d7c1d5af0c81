/**
 * The reads that can be slow, by name. Each task calls the same store or search function
 * the daemon always used (its SQL is written once), over whichever connection runs it: a
 * read pool worker's read-only connection, or the daemon's own when the pool is off.
 * Arguments and results cross a thread as structured clones, so they are plain data
 * (entries, rowids, scopes, a Map) and carry only what the read needs (never a token).
 */
import type { EmbeddingModel, EmbeddingStore } from '../../store/embeddings/embedding-store.js';
import type { Filters, Scope } from '../../store/memory/memory-scope.js';
import type {
  ChangeArgs,
  ListPageOptions,
  MemoryStore,
  PageBudget,
} from '../../store/memory/memory-store.js';
import { relatedPage, type RelatedArgs } from '../../store/memory/related-page.js';
import type { FtsQuery } from '../memory/fts-query.js';
import { rankFullText } from '../memory/fts-rank.js';
import { MemorySearch, type SearchRequest } from '../memory/memory-search.js';
import type { SearchPageOptions } from '../memory/search-page.js';

/** What a task reads through: the stores over one connection. */
export interface ReadSource {
  memory: MemoryStore;
  /** Absent where only memory reads run (a MemoryService built without embeddings). */
  embeddings?: EmbeddingStore | undefined;
}

const embeddingsOf = (s: ReadSource): EmbeddingStore => {
  if (!s.embeddings) throw new Error('this read source has no embedding store');
  return s.embeddings;
};

export const READ_TASKS = {
  /** A full-text search page, ranked, with snippets (MemorySearch.fts). */
  'memory.fts': (
    s: ReadSource,
    a: { request: SearchRequest; scope: Scope; filters: Filters; page?: SearchPageOptions },
  ) => new MemorySearch(s.memory).fts(a.request, a.scope, a.filters, a.page ?? {}),
  /** The best `depth` full-text matches with their entries (the full-text half of hybrid). */
  'memory.rank': (
    s: ReadSource,
    a: { q: FtsQuery; scope: Scope; filters: Filters; depth: number; chars?: number | undefined },
  ) => rankFullText(s.memory, a.q, a.scope, a.filters, a.depth, undefined, a.chars),
  /** The entries of vector hits, read again under the scope and filters. */
  'memory.entriesByRowid': (
    s: ReadSource,
    a: { rowids: number[]; scope: Scope; filters: Filters; chars?: number | undefined },
  ) => s.memory.entriesByRowid(a.rowids, a.scope, a.filters, a.chars),
  /** A `memory.list` page and its total. */
  'memory.list': (
    s: ReadSource,
    a: { scope: Scope; filters: Filters; limit: number; offset: number; page?: ListPageOptions },
  ) => s.memory.list(a.scope, a.filters, a.limit, a.offset, a.page ?? {}),
  /** A page of `memory.export`. */
  'memory.exportPage': (
    s: ReadSource,
    a: { scope: Scope; after: number; limit: number; page?: PageBudget },
  ) => s.memory.exportPage(a.scope, a.after, a.limit, a.page ?? {}),
  /** A `memory.changes` page under the caller's scope. */
  'memory.changes': (s: ReadSource, a: ChangeArgs) => s.memory.changes(a),
  /** A `memory.related` subgraph under the caller's scope. */
  'memory.related': (s: ReadSource, a: RelatedArgs) => relatedPage(s.memory.links, a),
  /** Reindex: how many entries still lack a current vector. */
  'embeddings.countMissing': (s: ReadSource, a: { model: EmbeddingModel; namespace?: string }) =>
    embeddingsOf(s).countMissing(a.model, a.namespace),
  /** Reindex: the next page of entries without a current vector. */
  'embeddings.missingPage': (
    s: ReadSource,
    a: { model: EmbeddingModel; after: number; limit: number; namespace?: string },
  ) => embeddingsOf(s).missingPage(a.model, a.after, a.limit, a.namespace),
};

export type ReadTaskName = keyof typeof READ_TASKS;
export type ReadArgs<K extends ReadTaskName> = Parameters<(typeof READ_TASKS)[K]>[1];
export type ReadResult<K extends ReadTaskName> = ReturnType<(typeof READ_TASKS)[K]>;

/** Runs task `name` against `source` (what a worker and the inline runner both call). */
export function runReadTask<K extends ReadTaskName>(
  source: ReadSource,
  name: K,
  args: ReadArgs<K>,
): ReadResult<K> {
  const task = READ_TASKS[name] as (s: ReadSource, a: ReadArgs<K>) => ReadResult<K>;
  return task(source, args);
}

/** Only the filter fields of a request's params (its credentials stay on the main thread). */
export function filtersOf(p: Filters): Filters {
  const f: Filters = {};
  if (p.tags !== undefined) f.tags = p.tags;
  if (p.agentId !== undefined) f.agentId = p.agentId;
  if (p.includeShared !== undefined) f.includeShared = p.includeShared;
  for (const name of ['createdAfter', 'createdBefore', 'updatedAfter', 'updatedBefore'] as const) {
    if (p[name] !== undefined) f[name] = p[name];
  }
  return f;
}
