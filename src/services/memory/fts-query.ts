/**
 * User text → FTS5. Nothing the user types is ever FTS5 syntax: the query is split
 * into words (Intl.Segmenter, which also splits CJK that has no spaces), each word is
 * emitted as a double-quoted string with inner quotes doubled, and only the last word
 * gets a prefix `*` outside its quotes. Operators (`AND`, `NEAR`, `-`, `:`, `^`, …)
 * become plain words or vanish as punctuation. The same segmentation prepares text for
 * indexing, so queries and documents agree on word boundaries.
 */
import { words } from '../../store/memory/fts-text.js';

export interface FtsQuery {
  /** The MATCH expression, or null when the query has no searchable words. */
  match: string | null;
  terms: string[];
}

/** Builds a safe MATCH expression: all words (or any, with `any`), the last as a prefix. */
export function buildFtsQuery(text: string, mode: 'all' | 'any' = 'all', maxTerms = 32): FtsQuery {
  const terms = [...new Set(words(text).map((w) => w.toLowerCase()))].slice(0, maxTerms);
  if (terms.length === 0) return { match: null, terms };
  const quoted = terms.map((t) => `"${t.replace(/"/g, '""')}"`);
  quoted[quoted.length - 1] += '*';
  return { match: quoted.join(mode === 'all' ? ' ' : ' OR '), terms };
}
