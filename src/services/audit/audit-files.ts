/**
 * The audit directory on disk: which files pino-roll keeps there and in what order, how a
 * record line is hashed, and how a record is read back. Shared by the writer
 * (audit-log.ts) and the checker (audit-verify.ts) so both agree on what "the chain" is.
 */
import { createHash } from 'node:crypto';
import { closeSync, openSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { AuditHead } from '../../store/audit/audit-head.js';

export type { AuditHead, AuditHeadStore } from '../../store/audit/audit-head.js';

/** The `prevHash` of the very first record. */
export const ZERO_HASH = '0'.repeat(64);

/** The name handed to pino-roll, which writes `audit.1.log`, `audit.2.log`, … beside it. */
export const AUDIT_FILE = 'audit.log';
const NUMBERED = /^audit\.(\d+)\.log$/;

export interface AuditRecord {
  seq: number;
  time: string;
  event: string;
  prevHash: string;
  details?: Record<string, unknown>;
}

export interface AuditFile {
  name: string;
  path: string;
  number: number;
}

/** SHA-256 (hex) of one record line exactly as written, without its newline. */
export function hashLine(line: string): string {
  return createHash('sha256').update(line, 'utf8').digest('hex');
}

function isMissing(err: unknown): boolean {
  return (err as NodeJS.ErrnoException).code === 'ENOENT';
}

/** The retained audit files, oldest → newest (pino-roll numbers them upward). */
export function listAuditFiles(dir: string): AuditFile[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (err) {
    if (isMissing(err)) return [];
    throw err;
  }
  return names
    .flatMap((name) => {
      const m = NUMBERED.exec(name);
      return m ? [{ name, path: join(dir, name), number: Number(m[1]) }] : [];
    })
    .sort((a, b) => a.number - b.number);
}

/**
 * A file's lines (the newline after the last one is a terminator, not an empty record),
 * or undefined when the file is gone — retention may delete the oldest file while we read.
 * Synchronous on purpose: the writer appends synchronously on the same thread, so a read
 * never sees half a record.
 */
export function readRecordLines(path: string): string[] | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if (isMissing(err)) return undefined;
    throw err;
  }
  if (text === '') return [];
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  return lines;
}

/** The record in a line, or undefined when the line is not a well-formed audit record. */
export function parseRecord(line: string): AuditRecord | undefined {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) return undefined;
  const { seq, time, event, prevHash, details } = value as Record<string, unknown>;
  if (typeof seq !== 'number' || !Number.isSafeInteger(seq) || seq < 1) return undefined;
  if (typeof time !== 'string' || typeof event !== 'string') return undefined;
  if (typeof prevHash !== 'string' || !/^[0-9a-f]{64}$/.test(prevHash)) return undefined;
  const record: AuditRecord = { seq, time, event, prevHash };
  if (details && typeof details === 'object' && !Array.isArray(details))
    record.details = details as Record<string, unknown>;
  return record;
}

export interface AuditTailOptions {
  limit: number;
  /** Only events starting with this (`session.` or `session.start`). */
  type?: string | undefined;
  /** Only records after this seq (for following the log). */
  afterSeq?: number | undefined;
  /** Only records before this seq (for paging back: the first seq of the page shown). */
  beforeSeq?: number | undefined;
  /** Only records about this session (`details.sessionId`). */
  sessionId?: string | undefined;
  /** Only records written at or after this time (ISO 8601). */
  since?: string | undefined;
  /** Only records written before this time (ISO 8601). */
  until?: string | undefined;
}

/**
 * The newest records that match (up to `limit`), oldest first. Reads from the newest file
 * back and stops at `afterSeq` or `since` (records are in seq and time order), so a
 * filtered page never costs more than the retained files.
 */
export function tailRecords(dir: string, o: AuditTailOptions): AuditRecord[] {
  const found: AuditRecord[] = [];
  const afterSeq = o.afterSeq ?? 0;
  const since = o.since === undefined ? undefined : Date.parse(o.since);
  const until = o.until === undefined ? undefined : Date.parse(o.until);
  const matches = (r: AuditRecord) =>
    (o.beforeSeq === undefined || r.seq < o.beforeSeq) &&
    (!o.type || r.event.startsWith(o.type)) &&
    (o.sessionId === undefined || r.details?.sessionId === o.sessionId) &&
    (until === undefined || Date.parse(r.time) < until);
  for (const file of listAuditFiles(dir).reverse()) {
    const lines = readRecordLines(file.path) ?? [];
    for (let i = lines.length - 1; i >= 0 && found.length < o.limit; i--) {
      const record = parseRecord(lines[i]!);
      if (!record) continue;
      if (record.seq <= afterSeq) return found.reverse();
      if (since !== undefined && Date.parse(record.time) < since) return found.reverse();
      if (matches(record)) found.push(record);
    }
    if (found.length >= o.limit) break;
  }
  return found.reverse();
}

/** The newest parseable record on disk and the hash of its line, if any. */
export function lastRecordOnDisk(files: AuditFile[]): AuditHead | undefined {
  for (const file of [...files].reverse()) {
    const lines = readRecordLines(file.path) ?? [];
    for (let i = lines.length - 1; i >= 0; i--) {
      const record = parseRecord(lines[i]!);
      if (record) return { seq: record.seq, hash: hashLine(lines[i]!) };
    }
  }
  return undefined;
}

/**
 * pino-roll (v4) rotating by frequency resumes only a file *born* in the current day or
 * hour; otherwise it starts over at number 1, appending to (or recreating) the oldest
 * file and breaking the oldest → newest order. So before it opens, start the next number
 * ourselves when the newest file belongs to an earlier period. Returns false when this
 * filesystem records no birth times, where pino-roll cannot rotate by frequency safely.
 */
export function prepareFrequencyRoll(
  dir: string,
  frequency: 'daily' | 'hourly',
  now = new Date(),
): boolean {
  const start =
    frequency === 'daily' ? new Date(now).setHours(0, 0, 0, 0) : new Date(now).setMinutes(0, 0, 0);
  const newest = listAuditFiles(dir).at(-1);
  if (!newest || statSync(newest.path).birthtimeMs >= start) return true;
  const next = join(dir, `audit.${newest.number + 1}.log`);
  closeSync(openSync(next, 'wx', 0o600));
  // A file made just now is born when it was last modified, unless births are not recorded.
  const made = statSync(next);
  return Math.abs(made.birthtimeMs - made.mtimeMs) < 5_000;
}
