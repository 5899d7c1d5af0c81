/**
 * Full-text ranking that reveals nothing about entries the caller cannot see.
 *
 * FTS5's `bm25()` takes its statistics (row count, average length, how many rows hold
 * each word) from the whole index, so a session could tell from its own results' scores
 * whether another session's private entries hold a word. Here BM25 is the same formula
 * (k1 = 1.2, b = 0.75, FTS5's IDF with its 1e-6 floor), computed in JS with statistics
 * over exactly what the caller may read — every shared namespace plus its own session's
 * (MemoryStore.fullTextStats) — and with each candidate's word counts taken from its
 * own text by the index's tokenizer (fts-tokens.ts). With nothing private in the store
 * the scores equal FTS5's own bm25.
 *
 * Which entries are scored is also decided from visible rows only: from shared
 * namespaces the best SHARED_CANDIDATES (or twice the page depth) by FTS5's BM25 over
 * the shared index, which holds shared rows alone; from the caller's own session its
 * newest OWN_CANDIDATES matches. Everything else about the answer follows from those
 * rows and those statistics, so it is the same whatever other sessions store.
 */
import type { Filters, Scope } from '../../store/memory/memory-scope.js';
import { indexText } from '../../store/memory/fts-text.js';
import { ftsTokens } from '../../store/memory/fts-tokens.js';
import type { MemoryStore, RankRow, SizedEntry } from '../../store/memory/memory-store.js';
import type { FtsPhrase, FtsQuery } from './fts-query.js';

export const BM25_K1 = 1.2;
export const BM25_B = 0.75;
/** Shared matches rescored (at least; twice the page depth when that is more). */
export const SHARED_CANDIDATES = 50;
/** The caller's own matches scored, newest first (at least; the page depth when more). */
export const OWN_CANDIDATES = 500;

export interface RankedEntry {
  rowid: number;
  entry: SizedEntry;
  /** BM25, higher is better. */
  score: number;
}

/**
 * The best `depth` full-text matches for `q` under the scope and filters, best first.
 * With `contentChars`, each entry's content is only its first that many characters.
 */
export function rankFullText(
  store: MemoryStore,
  q: FtsQuery,
  scope: Scope,
  filters: Filters,
  depth: number,
  candidates = {
    shared: Math.max(SHARED_CANDIDATES, 2 * depth),
    own: Math.max(OWN_CANDIDATES, depth),
  },
  contentChars?: number,
): RankedEntry[] {
  if (!q.match || depth <= 0) return [];
  const rows = store.fullTextCandidates(q.match, scope, filters, candidates);
  if (rows.length === 0) return [];
  const phrases = q.phrases.filter((p) => p.tokens.length > 0);
  const stats = store.fullTextStats(
    phrases.map((p) => p.match),
    scope,
  );
  const idf = stats.matching.map((n) => {
    const v = Math.log((stats.rows - n + 0.5) / (n + 0.5));
    return v > 0 ? v : 1e-6;
  });
  const avgdl = stats.rows > 0 && stats.tokens > 0 ? stats.tokens / stats.rows : 1;
  const freq = new Float64Array(phrases.length);
  const scored = rows.map((row) => {
    frequencies(row, phrases, freq);
    const D = row.fts_tokens;
    let score = 0;
    for (let i = 0; i < phrases.length; i++) {
      const f = freq[i]!;
      score +=
        idf[i]! * ((f * (BM25_K1 + 1.0)) / (f + BM25_K1 * (1 - BM25_B + (BM25_B * D) / avgdl)));
    }
    return { row, score };
  });
  scored.sort((a, b) => b.score - a.score || a.row.rowid - b.row.rowid);
  const best = scored.slice(0, depth);
  const entries = store.entriesByRowid(
    best.map(({ row }) => row.rowid),
    scope,
    filters,
    contentChars,
  );
  return best.flatMap(({ row, score }) => {
    const entry = entries.get(row.rowid);
    return entry ? [{ rowid: row.rowid, entry, score }] : [];
  });
}

/** How often each phrase occurs in the row's key, content and tags (as indexed). */
function frequencies(row: RankRow, phrases: FtsPhrase[], into: Float64Array): void {
  into.fill(0);
  countPhrases(indexText(row.key), phrases, into);
  countPhrases(indexText(row.content), phrases, into);
  countPhrases((JSON.parse(row.tags) as string[]).join(' '), phrases, into);
}

// eslint-disable-next-line no-control-regex
const NON_ASCII = /[^\u0000-\u007f]/;
const isAlnum = (c: number) =>
  (c >= 48 && c <= 57) || (c >= 97 && c <= 122) || (c >= 65 && c <= 90);

/**
 * Adds to `into[i]` how many times phrase i occurs in one column's `text`: consecutive
 * tokens equal to the phrase's, the last a prefix when the phrase is one (FTS5's
 * phrase match, which never spans columns).
 */
export function countPhrases(text: string, phrases: FtsPhrase[], into: Float64Array): void {
  if (phrases.every((p) => p.tokens.length === 1) && !NON_ASCII.test(text)) {
    // ASCII text: tokens are the runs of letters and digits, so a one-token phrase is
    // found by searching the lower-cased text and checking the characters around it.
    const lower = text.toLowerCase();
    phrases.forEach((p, i) => {
      const t = p.tokens[0]!;
      let n = 0;
      for (let at = lower.indexOf(t); at >= 0; at = lower.indexOf(t, at + 1)) {
        if (at > 0 && isAlnum(lower.charCodeAt(at - 1))) continue;
        const end = at + t.length;
        if (!p.prefix && end < lower.length && isAlnum(lower.charCodeAt(end))) continue;
        n++;
      }
      into[i]! += n;
    });
    return;
  }
  const tokens = ftsTokens(text);
  phrases.forEach((p, i) => {
    const m = p.tokens.length;
    let n = 0;
    for (let at = 0; at + m <= tokens.length; at++) {
      let j = 0;
      for (; j < m - 1; j++) if (tokens[at + j] !== p.tokens[j]) break;
      if (j < m - 1) continue;
      const last = tokens[at + m - 1]!;
      if (p.prefix ? last.startsWith(p.tokens[m - 1]!) : last === p.tokens[m - 1]) n++;
    }
    into[i]! += n;
  });
}
