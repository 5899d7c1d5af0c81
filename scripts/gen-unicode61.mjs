// Regenerates src/store/memory/unicode61-tables.ts: how SQLite's FTS5 tokenizer
// `unicode61 remove_diacritics 2` (the one memory_fts uses) treats every code point,
// read from the SQLite that better-sqlite3 bundles rather than from Unicode's tables,
// so that the search ranking's tokenizer (fts-tokens.ts) splits and folds text exactly
// as the index does. Run: `node scripts/gen-unicode61.mjs` (about a minute).
// test/store/fts-tokens.test.ts checks the result against the real tokenizer.
import Database from 'better-sqlite3';
import { writeFileSync } from 'node:fs';

const MAX = 0x110000;
const GROUPS_PER_ROW = 512;

/** Every code point from 0x80 up, except surrogates (not valid on their own in UTF-8). */
const codePoints = [];
for (let c = 0x80; c < MAX; c++) if (c < 0xd800 || c >= 0xe000) codePoints.push(c);

// Each code point c is probed as the word "a<c>b": a token character gives one token
// "a<fold(c)>b", a diacritic (kept inside a word, folded away) gives "ab", a separator
// gives "a" and "b".
const db = new Database(':memory:');
db.exec(`CREATE VIRTUAL TABLE probe USING fts5 (x, content = '', tokenize = 'unicode61 remove_diacritics 2');
  CREATE VIRTUAL TABLE probe_terms USING fts5vocab (probe, instance);`);
const insert = db.prepare('INSERT INTO probe (rowid, x) VALUES (?, ?)');
const rows = [];
for (let i = 0; i < codePoints.length; i += GROUPS_PER_ROW) {
  rows.push(codePoints.slice(i, i + GROUPS_PER_ROW));
}
db.transaction(() => {
  rows.forEach((cps, r) => {
    insert.run(r + 1, cps.map((c) => `a${String.fromCodePoint(c)}b`).join(' '));
  });
})();
const tokens = rows.map(() => []);
for (const t of db.prepare('SELECT term, doc, offset FROM probe_terms').iterate()) {
  tokens[t.doc - 1][t.offset] = t.term;
}

const SEPARATOR = 0;
const TOKEN = 1;
const DIACRITIC = 2;
const kind = new Map();
const fold = new Map();
rows.forEach((cps, r) => {
  const seen = tokens[r];
  let at = 0;
  for (const c of cps) {
    const t = seen[at++];
    if (t === 'a') {
      if (seen[at++] !== 'b') throw new Error(`unexpected tokens at U+${c.toString(16)}`);
      kind.set(c, SEPARATOR);
    } else if (t === 'ab') {
      kind.set(c, DIACRITIC);
    } else if (t?.startsWith('a') && t.endsWith('b')) {
      kind.set(c, TOKEN);
      const f = t.slice(1, -1);
      if ([...f].length !== 1) throw new Error(`U+${c.toString(16)} folds to ${f}`);
      if (f.codePointAt(0) !== c) fold.set(c, f.codePointAt(0));
    } else {
      throw new Error(`unexpected token ${t} at U+${c.toString(16)}`);
    }
  }
});

/** Ranges [start, end] (inclusive) of the code points of one kind (surrogates join either side). */
function ranges(k) {
  const out = [];
  let start = -1;
  let last = -1;
  for (let c = 0x80; c <= MAX; c++) {
    if (c >= 0xd800 && c < 0xe000) continue;
    const is = c < MAX && kind.get(c) === k;
    if (is && start < 0) start = c;
    if (is) last = c;
    if (!is && start >= 0) {
      out.push([start, last]);
      start = -1;
    }
  }
  return out;
}

// Folds as runs: `count` code points from `start`, `step` apart, each mapped to itself
// plus `delta` (case pairs and whole alphabets compress to one run each).
const folds = [...fold.entries()].sort((a, b) => a[0] - b[0]);
const runs = [];
for (let i = 0; i < folds.length;) {
  const [start, target] = folds[i];
  const delta = target - start;
  let count = 1;
  let step = 0;
  if (i + 1 < folds.length && folds[i + 1][1] - folds[i + 1][0] === delta) {
    step = folds[i + 1][0] - start;
    while (
      i + count < folds.length &&
      folds[i + count][0] === start + count * step &&
      folds[i + count][1] - folds[i + count][0] === delta
    ) {
      count++;
    }
  }
  runs.push([start, count, step, delta]);
  i += count;
}

const b36 = (n) => (n < 0 ? '-' + (-n).toString(36) : n.toString(36));
const encodeRanges = (rs) => rs.map(([a, b]) => `${b36(a)}.${b36(b - a)}`).join(',');
const version = db.prepare('SELECT sqlite_version()').pluck().get();
const lines = (s) => (s.match(/.{1,96}/g) ?? ['']).map((l) => `  '${l}' +`).join('\n');
const out = `/**
 * How FTS5's \`unicode61 remove_diacritics 2\` tokenizer treats each code point from
 * U+0080 up, as read from SQLite ${version} by scripts/gen-unicode61.mjs (generated; do not
 * edit). Code points not listed are token characters that fold to themselves.
 *
 * - SEPARATORS: ranges that split words (\`start.length-1\`, base 36, comma-separated).
 * - DIACRITICS: ranges kept inside a word and folded away, separators at a word's start.
 * - FOLDS: runs \`start.count.step.delta\`: \`count\` code points from \`start\`, \`step\`
 *   apart, each folding to itself plus \`delta\`.
 */

export const SEPARATORS =
${lines(encodeRanges(ranges(SEPARATOR)))}
  '';

export const DIACRITICS = '${encodeRanges(ranges(DIACRITIC))}';

export const FOLDS =
${lines(runs.map((r) => r.map(b36).join('.')).join(','))}
  '';
`;
const file = new URL('../src/store/memory/unicode61-tables.ts', import.meta.url);
writeFileSync(file, out);
console.log(
  `wrote ${file.pathname}: ${ranges(SEPARATOR).length} separator ranges, ${ranges(DIACRITIC).length} diacritic ranges, ${runs.length} fold runs (${folds.length} folds)`,
);
