/**
 * The JS tokenizer the search ranking counts words with (fts-tokens.ts) against SQLite's
 * own unicode61 tokenizer: every code point, in random company, and the text shapes the
 * memory tests use, must give exactly the tokens the full-text index holds.
 */
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { rng } from '../../src/bench/corpus.js';
import { ftsTokenCount, ftsTokens } from '../../src/store/memory/fts-tokens.js';

/** What FTS5 indexes for each text, token by token in order. */
function sqliteTokens(texts: string[]): string[][] {
  const db = new Database(':memory:');
  db.exec(`CREATE VIRTUAL TABLE t USING fts5 (x, content = '', tokenize = 'unicode61 remove_diacritics 2');
    CREATE VIRTUAL TABLE v USING fts5vocab (t, instance);`);
  const insert = db.prepare('INSERT INTO t (rowid, x) VALUES (?, ?)');
  db.transaction(() => texts.forEach((text, i) => insert.run(i + 1, text)))();
  const out = texts.map(() => [] as string[]);
  for (const r of db.prepare('SELECT term, doc, offset FROM v').iterate() as Iterable<{
    term: string;
    doc: number;
    offset: number;
  }>) {
    out[r.doc - 1]![r.offset] = r.term;
  }
  db.close();
  return out;
}

describe('the ranking tokenizer', () => {
  it('splits and folds code points exactly as FTS5 unicode61 does', () => {
    const random = rng(7);
    // Planes 0–3 whole (every script SQLite knows), then every 7th code point (the rest
    // is unassigned or private use, in long uniform ranges).
    const all: number[] = [];
    for (let c = 1; c < 0x110000; c += c < 0x40000 ? 1 : 7) {
      if (c < 0xd800 || c >= 0xe000) all.push(c);
    }
    for (let i = all.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [all[i], all[j]] = [all[j]!, all[i]!];
    }
    // Each code point once, in words of 1–6 with ASCII letters, digits, spaces and
    // punctuation around them, so each is seen at a word's start, middle and end.
    const filler = 'aZ9 .-_xQ';
    const texts: string[] = [];
    for (let at = 0; at < all.length;) {
      let text = '';
      for (let w = 0; w < 400 && at < all.length; w++) {
        const n = 1 + Math.floor(random() * 6);
        for (let i = 0; i < n && at < all.length; i++) {
          if (random() < 0.5) text += filler[Math.floor(random() * filler.length)];
          text += String.fromCodePoint(all[at++]!);
        }
        text += ' ';
      }
      texts.push(text);
    }
    const expected = sqliteTokens(texts);
    texts.forEach((text, i) => {
      const got = ftsTokens(text);
      if (JSON.stringify(got) !== JSON.stringify(expected[i])) {
        const at = got.findIndex((t, j) => t !== expected[i]![j]);
        expect({ text, at, got: got.slice(at, at + 3) }).toEqual({
          text,
          at,
          got: expected[i]!.slice(at, at + 3),
        });
      }
      expect(ftsTokenCount(text)).toBe(expected[i]!.length);
    });
  });

  it('agrees on the texts people write', () => {
    const texts = [
      'Une crème brûlée à Paris',
      'BRÛLÉE Ærøskøbing straße İstanbul ΣΊΣΥΦΟΣ ς',
      '東京 タワー に 行き ました',
      'party time 🎉 with 🍕 pizza',
      "don't snake_case e-mail 3.14 v1.2.3 C++ foo@example.com",
      'ünïcödé key ключ-🔑',
      'a\u0301b e\u0301 \u0301x',
      'lone \ud800 surrogate \udc00 and pair \ud83d\ude00 end',
      'x'.repeat(5000),
    ];
    const expected = sqliteTokens(texts);
    texts.forEach((text, i) => expect(ftsTokens(text), text).toEqual(expected[i]));
  });
});
