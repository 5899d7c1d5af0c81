/**
 * A short excerpt of the content around the first query term, with matches marked
 * `[…]`. Built here rather than by FTS5 because the index is contentless; matching is
 * case- and accent-insensitive like the index.
 */

const fold = (s: string) => s.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();

export function makeSnippet(content: string, terms: string[], width = 160): string {
  if (terms.length === 0) return content.slice(0, width);
  // Folding can change string length (e.g. "ß"), so map positions through a per-char index.
  const folded: string[] = [];
  const origin: number[] = [];
  for (let i = 0; i < content.length && folded.length < 200_000; i++) {
    const f = fold(content[i]!);
    for (const ch of f) {
      folded.push(ch);
      origin.push(i);
    }
  }
  const hay = folded.join('');
  const needles = terms.map(fold).filter(Boolean);
  let first = -1;
  for (const n of needles) {
    const at = hay.indexOf(n);
    if (at !== -1 && (first === -1 || at < first)) first = at;
  }
  if (first === -1) return content.slice(0, width) + (content.length > width ? '…' : '');
  const center = origin[first]!;
  const start = Math.max(0, center - Math.floor(width / 3));
  const end = Math.min(content.length, start + width);
  let excerpt = content.slice(start, end);
  const lowered = fold(excerpt);
  if (lowered.length === excerpt.length) {
    // Mark each occurrence when folding kept positions aligned (the common case).
    const marks: [number, number][] = [];
    for (const n of needles) {
      let at = lowered.indexOf(n);
      while (at !== -1) {
        marks.push([at, at + n.length]);
        at = lowered.indexOf(n, at + n.length);
      }
    }
    marks.sort((a, b) => b[0] - a[0]);
    let last = Infinity;
    for (const [s, e] of marks) {
      if (e > last) continue;
      excerpt = `${excerpt.slice(0, s)}[${excerpt.slice(s, e)}]${excerpt.slice(e)}`;
      last = s;
    }
  }
  return (start > 0 ? '…' : '') + excerpt + (end < content.length ? '…' : '');
}
