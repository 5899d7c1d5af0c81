/**
 * Retention of the audit files, by age first: a file whose newest record is older than
 * `audit.retentionDays` is pruned, which is normal and `audit verify` only notes. `audit.keep`
 * caps the number of files (so a flood cannot fill the disk); when that cap forces out a
 * file still holding records younger than the retention period, the range is remembered
 * (seq and times, in the daemon's database) before the file goes, and `audit verify`
 * fails naming it until those records would have aged out anyway. Before each deletion
 * the pruning record is saved, so a crash between the two never hides a gap.
 */
import { closeSync, fstatSync, openSync, readSync, unlinkSync } from 'node:fs';
import type { AuditLoss, AuditPruning, AuditPruningStore } from '../../store/audit/audit-head.js';
import { listAuditFiles, parseRecord, type AuditRecord } from './audit-files.js';

export type { AuditLoss, AuditPruning, AuditPruningStore } from '../../store/audit/audit-head.js';

/** At most this many separate lost ranges are kept; past it the oldest two merge. */
const MAX_LOSSES = 50;
const CHUNK = 64 * 1024;

/** Where pruning is remembered when the caller keeps it nowhere (tests). */
export function memoryPruning(): AuditPruningStore {
  let value: AuditPruning | undefined;
  return { get: () => value, set: (p) => void (value = p) };
}

export interface PruneOptions {
  dir: string;
  /** Files kept at most, the current one included. */
  keep: number;
  retentionMs: number;
  now: Date;
  pruning: AuditPruning;
  /** Saves the pruning record; called before each file is deleted. */
  save: (pruning: AuditPruning) => void;
}

export interface PruneResult {
  pruning: AuditPruning;
  /** Files deleted because every record in them was past retention (or they were empty). */
  aged: string[];
  /** Ranges deleted by the `keep` cap while younger than retention. */
  lost: AuditLoss[];
  /** Files deleted by the cap whose records could not be read (seq range unknown). */
  unreadable: string[];
}

type Edges = { first: AuditRecord; last: AuditRecord } | 'empty' | 'unreadable';

/** Up to `length` bytes of the file from `position`, as text. */
function readAt(fd: number, position: number, length: number): string {
  const buffer = Buffer.alloc(length);
  const n = readSync(fd, buffer, 0, length, position);
  return buffer.subarray(0, n).toString('utf8');
}

/** The first and last records of a file, reading only its two ends (records are small). */
export function fileEdges(path: string): Edges {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return 'unreadable';
  }
  try {
    const size = fstatSync(fd).size;
    if (size === 0) return 'empty';
    let first: AuditRecord | undefined;
    for (let len = CHUNK; ; len *= 4) {
      const text = readAt(fd, 0, Math.min(len, size));
      const end = text.indexOf('\n');
      if (end >= 0 || len >= size) {
        first = parseRecord(end >= 0 ? text.slice(0, end) : text);
        break;
      }
    }
    let last: AuditRecord | undefined;
    for (let len = CHUNK; ; len *= 4) {
      const from = Math.max(0, size - len);
      const lines = readAt(fd, from, size - from).split('\n');
      if (lines.at(-1) === '') lines.pop();
      if (lines.length >= 2 || from === 0) {
        last = parseRecord(lines.at(-1) ?? '');
        break;
      }
    }
    return first && last ? { first, last } : 'unreadable';
  } finally {
    closeSync(fd);
  }
}

function addLoss(lost: AuditLoss[], loss: AuditLoss): AuditLoss[] {
  const prev = lost.at(-1);
  const next =
    prev && prev.lastSeq + 1 >= loss.firstSeq
      ? [
          ...lost.slice(0, -1),
          { ...prev, lastSeq: loss.lastSeq, lastTime: loss.lastTime, deletedAt: loss.deletedAt },
        ]
      : [...lost, loss];
  while (next.length > MAX_LOSSES) {
    const [a, b] = next.splice(0, 2) as [AuditLoss, AuditLoss];
    next.unshift({ ...a, lastSeq: b.lastSeq, lastTime: b.lastTime, deletedAt: b.deletedAt });
  }
  return next;
}

/** Deletes what retention and the file cap say must go; never the newest (current) file. */
export function pruneAuditFiles(o: PruneOptions): PruneResult {
  const files = listAuditFiles(o.dir);
  const cutoff = o.now.getTime() - o.retentionMs;
  let pruning = o.pruning;
  let remaining = files.length;
  const result: Omit<PruneResult, 'pruning'> = { aged: [], lost: [], unreadable: [] };
  for (const file of files.slice(0, -1)) {
    const overCap = remaining > o.keep;
    const edges = fileEdges(file.path);
    if (edges === 'unreadable') {
      // Possibly edited: keep it for `audit verify` to name, unless the cap leaves no choice.
      if (!overCap) break;
      result.unreadable.push(file.name);
    } else if (edges === 'empty') {
      result.aged.push(file.name);
    } else {
      const old = Date.parse(edges.last.time) < cutoff;
      if (!old && !overCap) break;
      const throughSeq = Math.max(pruning.throughSeq, edges.last.seq);
      if (old) {
        result.aged.push(file.name);
        pruning = { ...pruning, throughSeq };
      } else {
        const loss: AuditLoss = {
          firstSeq: edges.first.seq,
          lastSeq: edges.last.seq,
          firstTime: edges.first.time,
          lastTime: edges.last.time,
          deletedAt: o.now.toISOString(),
        };
        result.lost.push(loss);
        pruning = { throughSeq, lost: addLoss(pruning.lost, loss) };
      }
      o.save(pruning);
    }
    try {
      unlinkSync(file.path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    remaining--;
  }
  return { pruning, ...result };
}
