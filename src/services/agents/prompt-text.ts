/**
 * Untrusted text made safe to quote between a prompt's delimiters (prompt.ts). Two
 * things could let stored text pass for our markup, and both are taken away here:
 *
 * - Characters a reader does not see: zero-width and joiner characters, bidi controls,
 *   Unicode tag characters (U+E0000–U+E007F, which spell hidden ASCII), other format
 *   (Cf), control, private-use, unassigned and filler characters, and runs of variation
 *   selectors (a single one after a visible character — an emoji's — stays). Each is
 *   shown as `\u{200B}`, so what the model reads is what a person would see, and a
 *   `</mem\u200Bory>` no longer reads as a tag to anyone.
 * - An opening bracket — `<` or a look-alike (〈 ‹ « ＜ ﹤ ⟨ ❮ …) — that starts something
 *   reading like one of our tags (`memory`, `context`, `task`, after any spaces and
 *   slashes, spelt in any case, full-width or with Cyrillic and Greek look-alike letters,
 *   with invisible characters in between) becomes `&lt;`.
 *
 * Everything else is left as it was written.
 */

const LT_LIKE = new Set([
  '<',
  '\u00AB', // «
  '\u02C2', // ˂
  '\u1438', // ᐸ
  '\u16B2', // ᚲ
  '\u2039', // ‹
  '\u226A', // ≪
  '\u227A', // ≺
  '\u22D6', // ⋖
  '\u2329', // 〈
  '\u276C', // ❬
  '\u276E', // ❮
  '\u2770', // ❰
  '\u27E8', // ⟨
  '\u27EA', // ⟪
  '\u29FC', // ⧼
  '\u3008', // 〈
  '\u300A', // 《
  '\uFE3F', // ︿
  '\uFE64', // ﹤
  '\uFF1C', // ＜
]);

const SLASH_LIKE = new Set(['/', '\u2044', '\u2215', '\u2571', '\u27CB', '\u29F8', '\uFF0F']);

/** Letters that look like the Latin ones of our tag names (after NFKC and lower-casing). */
const LOOK_ALIKE: Record<string, string> = {
  // Cyrillic
  а: 'a',
  с: 'c',
  е: 'e',
  к: 'k',
  м: 'm',
  о: 'o',
  р: 'p',
  г: 'r',
  ѕ: 's',
  т: 't',
  у: 'y',
  х: 'x',
  // Greek
  α: 'a',
  ε: 'e',
  κ: 'k',
  ο: 'o',
  ρ: 'p',
  τ: 't',
  υ: 'y',
  γ: 'y',
  χ: 'x',
  η: 'n',
  // Latin small capitals
  ᴀ: 'a',
  ᴄ: 'c',
  ᴇ: 'e',
  ᴋ: 'k',
  ᴍ: 'm',
  ɴ: 'n',
  ᴏ: 'o',
  ʀ: 'r',
  ꜱ: 's',
  ᴛ: 't',
  ʏ: 'y',
};

const TAG_NAMES = /^(?:memory|context|task)/;

/** Shown as an escape: unseen, or able to change how the text around it reads. */
const INVISIBLE_CLASS = /^(?![\t\n\r])[\p{Cc}\p{Cf}\p{Co}\p{Cs}\p{Cn}\p{Zl}\p{Zp}]$/u;
/** Blank or joining characters of other classes: fillers, blank braille, Khmer and Mongolian marks. */
const INVISIBLE_OTHER = new Set([
  0x034f, 0x115f, 0x1160, 0x17b4, 0x17b5, 0x180b, 0x180c, 0x180d, 0x180e, 0x180f, 0x2800, 0x3164,
  0xffa0,
]);
const MARK = /^\p{M}$/u;
const SPACE = /^\s$/u;

function isInvisible(c: string): boolean {
  const cp = c.codePointAt(0)!;
  return INVISIBLE_CLASS.test(c) || INVISIBLE_OTHER.has(cp) || (cp >= 0xe0000 && cp <= 0xe007f);
}

/** U+FE00–U+FE0F and U+E0100–U+E01EF. */
function isVariationSelector(c: string): boolean {
  const cp = c.codePointAt(0)!;
  return (cp >= 0xfe00 && cp <= 0xfe0f) || (cp >= 0xe0100 && cp <= 0xe01ef);
}

/** `\u{200B}`: the code point, visible. */
export function visibleEscape(c: string): string {
  return `\\u{${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}}`;
}

function fold(c: string): string {
  const n = c.normalize('NFKC').toLowerCase();
  return [...n].map((x) => LOOK_ALIKE[x] ?? x).join('');
}

/** Whether the code points from `start` read like the name of one of our tags. */
function startsTagName(cps: readonly string[], start: number): boolean {
  let letters = '';
  for (let j = start; j < cps.length && j < start + 64 && letters.length < 7; j++) {
    const c = cps[j]!;
    if (isInvisible(c) || isVariationSelector(c) || MARK.test(c)) continue;
    if (letters === '' && (SPACE.test(c) || SLASH_LIKE.has(c))) continue;
    const f = fold(c);
    if (!/^[a-z]+$/.test(f)) break;
    letters += f;
  }
  return TAG_NAMES.test(letters);
}

/** `text` as it may stand inside a delimited block: nothing hidden, no tag it could forge. */
export function quoteText(text: string): string {
  const cps = [...text];
  let out = '';
  let afterVisible = false;
  for (let i = 0; i < cps.length; i++) {
    const c = cps[i]!;
    if (isInvisible(c)) {
      out += visibleEscape(c);
      afterVisible = false;
    } else if (isVariationSelector(c)) {
      out += afterVisible ? c : visibleEscape(c);
      afterVisible = false;
    } else if (LT_LIKE.has(c) && startsTagName(cps, i + 1)) {
      out += '&lt;';
      afterVisible = false;
    } else {
      out += c;
      afterVisible = !SPACE.test(c);
    }
  }
  return out;
}
