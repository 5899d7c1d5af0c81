/**
 * The byte budget of a page-shaped reply (`daemon.replyBudgetBytes`): what a list, a
 * search or an export page may weigh as one JSON line. Pages are built item by item
 * against a `ReplyBudget`; when the next item does not fit, the page stops there and
 * says so (`truncated`, with a cursor). Sizes are counted without stringifying the
 * reply: the text an item carries (a preview, a snippet, a content) is measured once,
 * exactly, in one pass over its characters; short fields (ids, keys, namespaces) take
 * their bound, 2 + 6 bytes per UTF-16 unit (a control character becomes `\u00XX`);
 * metadata and tags are stored as the JSON they are sent as, so their UTF-8 length is
 * theirs. Pure and synchronous: the reads that build pages may run on any thread.
 */
import { AppError } from '../core/errors.js';

export const DEFAULT_REPLY_BUDGET_BYTES = 8 * 1024 * 1024;
/** The page's own fields (`total`, `truncated`, `cursor`, …) and their punctuation. */
export const PAGE_RESERVE_BYTES = 512;

/** At most the bytes JSON.stringify gives `s` (quotes included); null is 4 bytes. */
export const jsonStringBound = (s: string | null): number => (s === null ? 4 : 2 + 6 * s.length);

/** Exactly the bytes (UTF-8) of JSON.stringify(s), quotes included. */
export function jsonStringBytes(s: string): number {
  let n = 2;
  for (let i = 0; i < s.length; i++) n += charBytes(s, i);
  return n;
}

/** The JSON bytes of the UTF-16 unit at `i` (a surrogate pair counts 4 at its first unit, 0 at its second). */
function charBytes(s: string, i: number): number {
  const c = s.charCodeAt(i);
  if (c < 0x20) return c === 8 || c === 9 || c === 10 || c === 12 || c === 13 ? 2 : 6;
  if (c === 0x22 || c === 0x5c) return 2;
  if (c < 0x80) return 1;
  if (c < 0x800) return 2;
  if (c >= 0xd800 && c <= 0xdbff) {
    const next = s.charCodeAt(i + 1);
    return next >= 0xdc00 && next <= 0xdfff ? 4 : 6;
  }
  if (c >= 0xdc00 && c <= 0xdfff) {
    const prev = s.charCodeAt(i - 1);
    return prev >= 0xd800 && prev <= 0xdbff ? 0 : 6;
  }
  return 3;
}

/** The longest start of `s` whose JSON is at most `bytes` (quotes included); never splits a surrogate pair. */
export function cutToJsonBytes(s: string, bytes: number): string {
  let n = 2;
  let i = 0;
  for (; i < s.length; i++) {
    const c = charBytes(s, i);
    const pair = c === 4 ? 2 : 1;
    if (n + c > bytes) break;
    n += c;
    i += pair - 1;
  }
  return s.slice(0, i);
}

/** The first `n` characters (code points, as SQLite's substr counts them) of `s`. */
export function headCodePoints(s: string, n: number): string {
  let i = 0;
  for (let count = 0; i < s.length && count < n; count++) {
    const c = s.charCodeAt(i);
    i += c >= 0xd800 && c <= 0xdbff && i + 1 < s.length ? 2 : 1;
  }
  return s.slice(0, i);
}

/** Bytes left for a page's items; each item taken also pays for its separating comma. */
export class ReplyBudget {
  private left: number;
  private taken = 0;
  /** Set when the page was cut short or an item in it was cut. */
  truncated = false;

  /** `bytes`: the whole reply line; `reserve`: what the envelope and page fields need. */
  constructor(bytes: number, reserve = PAGE_RESERVE_BYTES) {
    this.left = bytes - reserve;
  }

  /** Bytes an item may still use. */
  get room(): number {
    return this.left - (this.taken > 0 ? 1 : 0);
  }

  /** True while nothing has been taken: the first item is cut to fit rather than left out. */
  get empty(): boolean {
    return this.taken === 0;
  }

  /** Takes `bytes` for one item if they fit; false (nothing taken) when not. */
  take(bytes: number): boolean {
    if (bytes > this.room) {
      this.truncated = true;
      return false;
    }
    this.left -= bytes + (this.taken > 0 ? 1 : 0);
    this.taken++;
    return true;
  }
}

/**
 * An opaque continuation token: a kind and a few integers, base64url. Decoding checks
 * the kind and each number, so a forged or damaged cursor is INVALID_PARAMS, never a
 * wrong page.
 */
export function encodeCursor(kind: string, values: readonly number[]): string {
  return Buffer.from(`${kind}:${values.join(':')}`, 'utf8').toString('base64url');
}

export function decodeCursor(kind: string, cursor: string, count: number): number[] {
  const bad = () =>
    new AppError('INVALID_PARAMS', 'cursor is not one this method returned', {
      issues: [{ path: ['cursor'], message: 'pass back a cursor exactly as a reply gave it' }],
    });
  if (!/^[A-Za-z0-9_-]{1,200}$/.test(cursor)) throw bad();
  const parts = Buffer.from(cursor, 'base64url').toString('utf8').split(':');
  if (parts[0] !== kind || parts.length !== count + 1) throw bad();
  const values = parts.slice(1).map((p) => (/^-?\d{1,16}$/.test(p) ? Number(p) : NaN));
  if (values.some((v) => !Number.isSafeInteger(v))) throw bad();
  return values;
}
