/**
 * Every audit record is small, whoever wrote its details: a client that sends a 4 MB
 * method name must not be able to fill (and so roll away) the audit log with a few lines.
 * `boundDetails` cuts strings (keeping the original length beside them as `<key>Length`),
 * nesting depth, keys per object, items per array and the whole serialized size, and it
 * scrubs secrets on the way. The audit log applies it to every record in its write path,
 * so no caller can forget.
 */

/** No audit line (the JSON record, without its newline) is longer than this many bytes. */
export const MAX_RECORD_BYTES = 4096;
/** Method names are cut here (`methodLength` keeps the original length). */
export const MAX_METHOD_CHARS = 200;
/** Other strings are cut here. */
export const MAX_STRING_CHARS = 400;
/** Event names are chosen by the daemon, but bounded all the same. */
export const MAX_EVENT_CHARS = 100;
/**
 * Room left in a record for its envelope: level, time, seq, prevHash (64 hex) and the
 * event (≤ 100 characters, which JSON may escape to 6 bytes each).
 */
const ENVELOPE_BYTES = 150 + MAX_EVENT_CHARS * 6;
/** Room for what aggregation adds to a record's details: count, firstTime, lastTime. */
const AGGREGATE_BYTES = 100;
export const MAX_DETAILS_BYTES = MAX_RECORD_BYTES - ENVELOPE_BYTES - AGGREGATE_BYTES;

interface Limits {
  method: number;
  string: number;
  key: number;
  keys: number;
  items: number;
  depth: number;
}

/** Tried in order until the details fit MAX_DETAILS_BYTES. */
const LEVELS: Limits[] = [
  { method: MAX_METHOD_CHARS, string: MAX_STRING_CHARS, key: 64, keys: 32, items: 32, depth: 4 },
  { method: MAX_METHOD_CHARS, string: 100, key: 32, keys: 16, items: 8, depth: 3 },
  { method: 64, string: 32, key: 32, keys: 8, items: 4, depth: 2 },
];

/**
 * Scrubbing runs on strings already cut to this (far above any kept length, far below a
 * flood), so a secret never survives half-cut, and a 4 MB string costs no 4 MB regex scans.
 */
const SCRUB_WINDOW = 2048;

export interface Scrubber {
  scrubText(text: string): string;
  isSecretKey(key: string): boolean;
  mask(value: string): string;
}

function cut(text: string, max: number): string {
  if (text.length <= max) return text;
  // Never leave half a surrogate pair: the JSON would carry a lone \ud8xx.
  const end = /[\ud800-\udbff]/.test(text[max - 1] ?? '') ? max - 1 : max;
  return text.slice(0, end);
}

class Bounder {
  constructor(
    private readonly scrubber: Scrubber,
    private readonly limits: Limits,
  ) {}

  private text(value: string, max: number): string {
    return cut(this.scrubber.scrubText(cut(value, SCRUB_WINDOW)), max);
  }

  value(value: unknown, depth: number): unknown {
    if (typeof value === 'string') {
      if (value.length <= this.limits.string) return this.scrubber.scrubText(value);
      return { text: this.text(value, this.limits.string), length: value.length };
    }
    if (value === null || typeof value === 'boolean') return value;
    if (typeof value === 'number') return Number.isFinite(value) ? value : String(value);
    if (typeof value === 'bigint') return value.toString();
    if (typeof value !== 'object') return value === undefined ? undefined : `[${typeof value}]`;
    if (depth >= this.limits.depth) return '[nested too deep]';
    if (value instanceof Error)
      return {
        type: this.text(value.name, 64),
        message: this.text(value.message, this.limits.string),
      };
    if (Array.isArray(value)) {
      const kept = value.slice(0, this.limits.items).map((v) => this.value(v, depth + 1) ?? null);
      if (value.length > this.limits.items) kept.push(`… ${value.length - this.limits.items} more`);
      return kept;
    }
    return this.object(value as Record<string, unknown>, depth);
  }

  object(value: Record<string, unknown>, depth: number): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    const entries = Object.entries(value);
    for (const [rawKey, v] of entries.slice(0, this.limits.keys)) {
      const key = cut(rawKey, this.limits.key);
      if (typeof v === 'string') {
        if (this.scrubber.isSecretKey(rawKey)) {
          out[key] = this.scrubber.mask(cut(v, SCRUB_WINDOW));
          continue;
        }
        const max = rawKey === 'method' ? this.limits.method : this.limits.string;
        out[key] = this.text(v, max);
        if (v.length > max) out[`${key}Length`] = v.length;
        continue;
      }
      const bounded = this.value(v, depth + 1);
      if (bounded !== undefined) out[key] = bounded;
    }
    if (entries.length > this.limits.keys) out.droppedKeys = entries.length - this.limits.keys;
    return out;
  }
}

/**
 * The details as they may be written: secrets scrubbed, every part bounded, and at most
 * MAX_DETAILS_BYTES serialized. Past every level of cutting, only a note of what was
 * there remains (its top-level keys and its serialized size).
 */
export function boundDetails(
  details: Record<string, unknown>,
  scrubber: Scrubber,
): Record<string, unknown> {
  for (const limits of LEVELS) {
    const bounded = new Bounder(scrubber, limits).object(details, 0);
    if (Buffer.byteLength(JSON.stringify(bounded)) <= MAX_DETAILS_BYTES) return bounded;
  }
  const keys = Object.keys(details);
  return {
    detailsCut: true,
    keys: keys.slice(0, 8).map((k) => cut(k, 32)),
    ...(keys.length > 8 && { droppedKeys: keys.length - 8 }),
  };
}

/** The event name as written: scrubbed, at most MAX_EVENT_CHARS. */
export function boundEvent(event: string, scrubber: Scrubber): string {
  return cut(scrubber.scrubText(cut(event, SCRUB_WINDOW)), MAX_EVENT_CHARS);
}
