/**
 * Counts in words, for people and models alike: "1 entry", "2 entries", and for a page
 * of a larger whole "3 of 10 entries" (all of them shown: just "10 entries"). The one
 * place that pluralises, so no message says "1 entries" or "entr(ies)".
 */

/** "1 entry", "2 entries": `many` defaults to `one` + "s", or "ies" for a consonant + "y". */
export function plural(n: number, one: string, many?: string): string {
  const word =
    n === 1 ? one : (many ?? (/[^aeiou]y$/.test(one) ? `${one.slice(0, -1)}ies` : `${one}s`));
  return `${n.toLocaleString('en-US')} ${word}`;
}

/** "3 of 10 entries" for a part, "1 entry" or "10 entries" when the part is the whole. */
export function countOf(shown: number, total: number, one: string, many?: string): string {
  if (shown >= total) return plural(shown, one, many);
  return `${shown.toLocaleString('en-US')} of ${plural(total, one, many)}`;
}
