/**
 * Word segmentation shared by indexing and querying, so both agree on word boundaries.
 * unicode61 splits on spaces and punctuation, which leaves Chinese, Japanese and Thai
 * (written without spaces) as one long token; Intl.Segmenter splits those into words.
 */

const segmenter = new Intl.Segmenter('und', { granularity: 'word' });

/** Scripts written without spaces between words. */
const UNSPACED =
  /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Thai}\p{Script=Lao}\p{Script=Khmer}\p{Script=Myanmar}]/u;

export function words(text: string): string[] {
  const out: string[] = [];
  for (const s of segmenter.segment(text)) if (s.isWordLike) out.push(s.segment);
  return out;
}

/** Text as the index should see it: unchanged unless it has unspaced scripts, then word-separated. */
export function indexText(text: string): string {
  return UNSPACED.test(text) ? words(text).join(' ') : text;
}
