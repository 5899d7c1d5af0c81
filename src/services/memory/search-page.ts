/**
 * A page of search results as `memory.search` sends it: each entry as a preview (or its
 * whole content, for a page of at most FULL_CONTENT_LIMIT_MAX that asks) beside its
 * snippet and scores, cut to the reply budget like every page (store/reply-budget.ts).
 * Search pages continue by offset — a ranking has no stable key to continue after — so
 * the cursor is the offset of the first result not sent. Pure and synchronous, for
 * whichever thread ran the search.
 */
import {
  fitView,
  PREVIEW_CHARS,
  viewRowOf,
  type EntryView,
} from '../../store/memory/entry-view.js';
import { newBudget, type PageBudget } from '../../store/memory/entry-pages.js';
import type { SizedEntry } from '../../store/memory/memory-store.js';
import {
  decodeCursor,
  encodeCursor,
  headCodePoints,
  jsonStringBytes,
} from '../../store/reply-budget.js';

/** Characters of an entry's content that a snippet is looked for in. */
export const SNIPPET_SCAN_CHARS = 200_000;

export interface SearchPageOptions extends PageBudget {
  /** A cursor from the previous page (instead of an offset). */
  cursor?: string | undefined;
  /** Whole contents instead of previews. */
  content?: boolean | undefined;
}

export interface SearchHit {
  entry: SizedEntry;
  score: number;
  matchType: 'fts' | 'vector' | 'hybrid';
  scores: { bm25?: number; cosine?: number; rrf?: number };
  snippet: string;
}

export type SearchResultView = Omit<SearchHit, 'entry'> & { entry: EntryView };

export interface SearchPage {
  results: SearchResultView[];
  count: number;
  truncated: boolean;
  cursor: string | null;
}

/** The offset a search starts at: from its cursor when it has one. */
export function searchOffset(offset: number, cursor: string | undefined): number {
  return cursor === undefined ? offset : decodeCursor('search', cursor, 1)[0]!;
}

/** `{"entry":…,"score":…,"matchType":"…","scores":{…},"snippet":…}` apart from the entry and snippet. */
const RESULT_FIXED_BYTES = 160;

/**
 * Fits `hits` (the ranked page, starting at `offset`, of at most `limit`) into the
 * budget. `more`: whether results may follow the last hit given (the page was full).
 */
export function searchPage(
  hits: readonly SearchHit[],
  offset: number,
  limit: number,
  o: SearchPageOptions,
): SearchPage {
  const full = o.content === true;
  const budget = newBudget(o);
  const results: SearchResultView[] = [];
  for (const hit of hits) {
    const e = hit.entry;
    const text = full ? e.content : headCodePoints(e.content, PREVIEW_CHARS);
    const row = viewRowOf(e, text, e.size);
    const entry = fitView(row, full, budget, RESULT_FIXED_BYTES + jsonStringBytes(hit.snippet));
    if (!entry) break;
    results.push({ ...hit, entry });
  }
  const more = results.length < hits.length || hits.length >= limit;
  return {
    results,
    count: results.length,
    truncated: budget.truncated,
    cursor: more ? encodeCursor('search', [offset + results.length]) : null,
  };
}
