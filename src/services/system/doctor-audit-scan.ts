/**
 * Reading the audit log for `system.doctor`'s anomaly check, bounded: files newest →
 * oldest, each read backwards in chunks with asynchronous reads (the event loop serves
 * other requests between chunks), stopping at the first record older than the baseline,
 * or once `maxBytes` have been read in all. Only the records that count as anomalies are
 * kept, and only as tallies (per category and per source, with a cap on distinct sources),
 * so memory stays bounded whatever the log holds.
 */
import { open } from 'node:fs/promises';
import { listAuditFiles, parseRecord, type AuditRecord } from '../audit/audit-files.js';

export const ANOMALY_CATEGORIES = ['refusals', 'failed-auth', 'invalid', 'plugin'] as const;
export type AnomalyCategory = (typeof ANOMALY_CATEGORIES)[number];

/** Past this many distinct sources per category, new ones are counted as "other". */
const MAX_SOURCES = 500;
const CHUNK_BYTES = 1 << 20;
/** Error codes of requests that were malformed rather than refused for who sent them. */
const INVALID_CODES = new Set([
  'PARSE_ERROR',
  'INVALID_REQUEST',
  'INVALID_PARAMS',
  'METHOD_NOT_FOUND',
  'PAYLOAD_TOO_LARGE',
]);
const AUTH_HTTP_KINDS = new Set(['authentication', 'dashboard']);

export interface Classified {
  category: AnomalyCategory;
  /** How many events the record stands for (an aggregated record stands for many). */
  count: number;
  source: string;
}

const str = (v: unknown) => (typeof v === 'string' || typeof v === 'number' ? String(v) : '');
const positive = (v: unknown) => (typeof v === 'number' && v > 0 ? Math.floor(v) : undefined);

/** Who a record is about: an address, a plugin, a session, a connection, or the kind. */
function sourceOf(event: string, d: Record<string, unknown>): string {
  if (str(d.remoteAddress)) return `address ${str(d.remoteAddress)}`;
  if (str(d.plugin)) return `plugin ${str(d.plugin)}`;
  if (str(d.sessionId)) return `session ${str(d.sessionId)}`;
  if (str(d.connection)) return `connection ${str(d.connection)}`;
  if (event === 'http.refused_summary') return `http ${str(d.kind)} (held back by the flood limit)`;
  return str(d.kind) ? `${event} ${str(d.kind)}` : event;
}

/** The anomaly a record stands for, if any. */
export function classify(record: AuditRecord): Classified | undefined {
  const { event } = record;
  const d = record.details ?? {};
  // An aggregated record counts the identical ones after the first; a summary what it held back.
  let count = positive(d.count) ?? 1;
  let category: AnomalyCategory;
  if (event.startsWith('plugin.') && /\.(refused|denied)$/.test(event)) category = 'plugin';
  else if (event === 'request.refused') {
    const code = str(d.code);
    category =
      code === 'UNAUTHENTICATED' ? 'failed-auth' : INVALID_CODES.has(code) ? 'invalid' : 'refusals';
  } else if (event === 'http.refused' || event === 'http.refused_summary') {
    if (event === 'http.refused_summary') {
      const held = positive(d.notRecorded);
      if (held === undefined) return undefined;
      count = held;
    }
    category = AUTH_HTTP_KINDS.has(str(d.kind)) ? 'failed-auth' : 'refusals';
  } else if (/\.(refused|denied)$/.test(event) || event === 'connection.refusals') {
    category = 'refusals';
  } else return undefined;
  return { category, count, source: sourceOf(event, d) };
}

export class Tally {
  readonly totals = new Map<AnomalyCategory, number>();
  private readonly sources = new Map<AnomalyCategory, Map<string, number>>();

  add(c: Classified): void {
    this.totals.set(c.category, (this.totals.get(c.category) ?? 0) + c.count);
    let m = this.sources.get(c.category);
    if (!m) this.sources.set(c.category, (m = new Map()));
    const key = m.has(c.source) || m.size < MAX_SOURCES ? c.source : 'other sources';
    m.set(key, (m.get(key) ?? 0) + c.count);
  }

  count(category: AnomalyCategory): number {
    return this.totals.get(category) ?? 0;
  }

  /** The `n` sources with the most events in `category`, most first. */
  top(category: AnomalyCategory, n: number): [string, number][] {
    return [...(this.sources.get(category) ?? new Map<string, number>())]
      .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
      .slice(0, n);
  }
}

export interface ScanOptions {
  dir: string;
  /** Start of the window looked at. */
  since: number;
  /** Start of the baseline (the usual rate): records before it are not read. */
  baselineFrom: number;
  maxBytes: number;
}

export interface ScanResult {
  window: Tally;
  baseline: Tally;
  /** Time of the oldest record read (null: none): where the baseline really starts. */
  oldestMs: number | null;
  bytesRead: number;
  /** The byte budget ran out before the baseline's start was reached. */
  truncated: boolean;
}

/** One file's lines, newest first, read backwards in chunks; stops when `take` says so. */
async function readBackwards(
  path: string,
  budget: number,
  take: (line: string) => boolean,
): Promise<{ bytes: number; stopped: boolean }> {
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { bytes: 0, stopped: false };
    throw err;
  }
  try {
    let pos = (await handle.stat()).size;
    let bytes = 0;
    let carry = Buffer.alloc(0);
    while (pos > 0 && bytes < budget) {
      const size = Math.min(CHUNK_BYTES, pos, budget - bytes);
      pos -= size;
      const chunk = Buffer.alloc(size);
      await handle.read(chunk, 0, size, pos);
      bytes += size;
      const buf = Buffer.concat([chunk, carry]);
      let end = buf.length;
      for (let i = buf.length - 1; i >= 0; i--) {
        if (buf[i] !== 0x0a) continue;
        if (end > i + 1 && !take(buf.toString('utf8', i + 1, end))) return { bytes, stopped: true };
        end = i;
      }
      carry = buf.subarray(0, end);
    }
    // The file's first line (a partial one is dropped: the budget cut it).
    if (pos === 0 && carry.length > 0 && !take(carry.toString('utf8')))
      return { bytes, stopped: true };
    return { bytes, stopped: false };
  } finally {
    await handle.close();
  }
}

/** Tallies the anomalies in the window and in the baseline before it. */
export async function scanAudit(o: ScanOptions): Promise<ScanResult> {
  const result: ScanResult = {
    window: new Tally(),
    baseline: new Tally(),
    oldestMs: null,
    bytesRead: 0,
    truncated: false,
  };
  const take = (line: string): boolean => {
    const record = parseRecord(line);
    if (!record) return true;
    const at = Date.parse(record.time);
    if (!Number.isFinite(at)) return true;
    if (at < o.baselineFrom) return false;
    result.oldestMs = at;
    const c = classify(record);
    if (c) (at >= o.since ? result.window : result.baseline).add(c);
    return true;
  };
  for (const file of listAuditFiles(o.dir).reverse()) {
    const left = o.maxBytes - result.bytesRead;
    if (left <= 0) {
      result.truncated = true;
      break;
    }
    const r = await readBackwards(file.path, left, take);
    result.bytesRead += r.bytes;
    if (r.stopped) return result;
  }
  if (result.bytesRead >= o.maxBytes) result.truncated = true;
  return result;
}
