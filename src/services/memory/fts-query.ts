/**
 * User text → FTS5. Nothing the user types is ever FTS5 syntax: the query is split
 * into words (Intl.Segmenter, which also splits CJK that has no spaces), each word is
 * emitted as a double-quoted string with inner quotes doubled, and only the last word
 * gets a prefix `*` outside its quotes. Operators (`AND`, `NEAR`, `-`, `:`, `^`, …)
 * become plain words or vanish as punctuation. The same segmentation prepares text for
 * indexing, so queries and documents agree on word boundaries.
 *
 * Each word is one FTS5 phrase: the tokens the index's tokenizer makes of it (usually
 * one; `don't` or `3.14` make two), the last token a prefix for the last word. The
 * ranking counts phrases in entries' text with the same tokenizer (fts-tokens.ts).
 */
import { words } from '../../store/memory/fts-text.js';
import { ftsTokens } from '../../store/memory/fts-tokens.js';

export interface FtsPhrase {
  /** This phrase alone as a MATCH expression. */
  match: string;
  /** Its tokens, folded as the index folds them (none for a word with no letters or digits). */
  tokens: string[];
  /** The last token matches as a prefix. */
  prefix: boolean;
}

export interface FtsQuery {
  /** The MATCH expression, or null when the query has no searchable words. */
  match: string | null;
  terms: string[];
  /** One per term, in order. */
  phrases: FtsPhrase[];
  mode: 'all' | 'any';
}

/** Builds a safe MATCH expression: all words (or any, with `any`), the last as a prefix. */
export function buildFtsQuery(text: string, mode: 'all' | 'any' = 'all', maxTerms = 32): FtsQuery {
  const terms = [...new Set(words(text).map((w) => w.toLowerCase()))].slice(0, maxTerms);
  const phrases = terms.map((t, i) => {
    const prefix = i === terms.length - 1;
    return {
      match: `"${t.replace(/"/g, '""')}"${prefix ? '*' : ''}`,
      tokens: ftsTokens(t),
      prefix,
    };
  });
  // A word with no tokens is ignored by FTS5 next to others but matches nothing alone.
  if (!phrases.some((p) => p.tokens.length > 0)) return { match: null, terms, phrases, mode };
  return {
    match: phrases.map((p) => p.match).join(mode === 'all' ? ' ' : ' OR '),
    terms,
    phrases,
    mode,
  };
}
