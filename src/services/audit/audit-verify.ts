/**
 * Checking the audit chain: walk every retained file oldest → newest and confirm that seq
 * counts up by one and that each `prevHash` is the SHA-256 of the line before it. The
 * first break is named by file, line and seq. Given the chain head kept outside the files
 * (the daemon's database), records cut off the end, or a replaced newest record, show too.
 *
 * Given what the daemon pruned (audit-retention.ts), the start is checked too: records
 * before the first retained one must have been pruned by the daemon — by age (a note),
 * or by the file cap while younger than the retention period (a failure that names the
 * range lost, until those records would have aged out anyway). Whoever can rewrite both
 * the files and the database can still forge a consistent chain: this makes edits
 * evident, it does not prevent them.
 */
import {
  hashLine,
  listAuditFiles,
  parseRecord,
  readRecordLines,
  ZERO_HASH,
  type AuditHead,
} from './audit-files.js';
import type { AuditLoss, AuditPruning } from './audit-retention.js';

export interface AuditChainOk {
  ok: true;
  records: number;
  /** Retained files, oldest → newest (names inside the audit directory). */
  files: string[];
  firstSeq: number | null;
  lastSeq: number | null;
  /** False when no head was given, so records cut off the end could not be detected. */
  headChecked: boolean;
  /** What is normal but worth knowing: where retention starts the chain, old losses. */
  notes: string[];
}

export interface AuditChainBroken {
  ok: false;
  /** The file (name inside the audit directory) and 1-based line of the first bad record. */
  file: string | null;
  line: number | null;
  /** The seq found there, or the one expected when the line is unreadable or missing. */
  seq: number | null;
  reason: string;
  /** Ranges deleted while younger than the retention period. */
  lost?: AuditLoss[];
}

/** What the daemon pruned, and by which rule, so the start of the chain can be checked. */
export interface AuditEvidence {
  pruning: AuditPruning;
  retentionMs: number;
  now: Date;
}

export type AuditVerifyResult = AuditChainOk | AuditChainBroken;

interface Position {
  file: string;
  line: number;
}

function broken(at: Partial<Position>, seq: number | null, reason: string): AuditChainBroken {
  return { ok: false, file: at.file ?? null, line: at.line ?? null, seq, reason };
}

/** Verifies the chain in `dir`; pass the saved head to also catch a truncated or replaced tail. */
export function verifyAudit(
  dir: string,
  head?: AuditHead,
  evidence?: AuditEvidence,
): AuditVerifyResult {
  const files = listAuditFiles(dir);
  const seen: string[] = [];
  let prev: (AuditHead & Position) | undefined;
  let firstSeq: number | null = null;
  let records = 0;
  for (const file of files) {
    const lines = readRecordLines(file.path);
    if (!lines) continue; // pruned by retention while we walked; a gap it leaves still shows
    seen.push(file.name);
    for (const [i, line] of lines.entries()) {
      const at = { file: file.name, line: i + 1 };
      const record = parseRecord(line);
      if (!record)
        return broken(
          at,
          prev ? prev.seq + 1 : null,
          'not a valid audit record (edited or damaged)',
        );
      if (!prev) {
        // Older files may have been pruned, so only a record claiming to be the first is held to the zero hash.
        if (record.seq === 1 && record.prevHash !== ZERO_HASH)
          return broken(at, 1, 'seq 1 does not start the chain (its prevHash is not zeros)');
        firstSeq = record.seq;
      } else if (record.seq !== prev.seq + 1) {
        return broken(
          at,
          record.seq,
          `expected seq ${prev.seq + 1} after seq ${prev.seq}, found seq ${record.seq}: records were removed or reordered`,
        );
      } else if (record.prevHash !== prev.hash) {
        return broken(
          at,
          record.seq,
          `prevHash does not match the record before it (seq ${prev.seq} at ${prev.file}:${prev.line}): that record was altered`,
        );
      }
      const hash = hashLine(line);
      if (head && record.seq === head.seq && hash !== head.hash)
        return broken(
          at,
          record.seq,
          `differs from the chain head saved by the daemon: record ${record.seq} was altered or replaced`,
        );
      prev = { seq: record.seq, hash, ...at };
      records++;
    }
  }
  const lastSeq = prev?.seq ?? 0;
  if (head && lastSeq < head.seq) {
    // Point where the first missing record belonged: just after the last one that is left.
    const at = prev ? { file: prev.file, line: prev.line + 1 } : {};
    return broken(
      at,
      lastSeq + 1,
      lastSeq + 1 === head.seq
        ? `record ${head.seq} is missing from the end (the daemon's chain head is seq ${head.seq})`
        : `records ${lastSeq + 1}–${head.seq} are missing from the end (the daemon's chain head is seq ${head.seq})`,
    );
  }
  const start = evidence ? checkStart(firstSeq ?? lastSeq + 1, evidence, files[0]?.name) : [];
  if (!Array.isArray(start)) return start;
  return {
    ok: true,
    records,
    files: seen,
    firstSeq,
    lastSeq: prev?.seq ?? null,
    headChecked: head !== undefined,
    notes: start,
  };
}

function range(a: number, b: number): string {
  return a === b ? `record ${a}` : `records ${a}–${b}`;
}

/**
 * The records before `firstSeq` (the first retained, or the next to come) must all have
 * been pruned by the daemon; ranges it lost young fail until they would have aged out.
 */
function checkStart(
  firstSeq: number,
  { pruning, retentionMs, now }: AuditEvidence,
  firstFile: string | undefined,
): AuditChainBroken | string[] {
  const notes: string[] = [];
  const accounted = Math.max(pruning.throughSeq, ...pruning.lost.map((l) => l.lastSeq));
  if (firstSeq - 1 > accounted) {
    return broken(
      { file: firstFile },
      accounted + 1,
      `${range(accounted + 1, firstSeq - 1)} are missing from the start and were not pruned by the daemon (its pruning reached seq ${accounted}): a file was deleted or cut`,
    );
  }
  const cutoff = now.getTime() - retentionMs;
  const young = pruning.lost.filter((l) => Date.parse(l.lastTime) >= cutoff);
  if (young.length > 0) {
    const named = young
      .map(
        (l) =>
          `${range(l.firstSeq, l.lastSeq)} (${l.firstTime} to ${l.lastTime}, deleted ${l.deletedAt})`,
      )
      .join('; ');
    return {
      ...broken(
        {},
        young[0]!.firstSeq,
        `audit records younger than the retention period were deleted to stay within audit.keep files: ${named}; raise audit.keep or audit.rotateSize`,
      ),
      lost: young,
    };
  }
  for (const l of pruning.lost)
    notes.push(
      `${range(l.firstSeq, l.lastSeq)} were deleted early (${l.deletedAt}) by the audit.keep cap; they are now past the retention period`,
    );
  if (firstSeq > 1)
    notes.push(`the chain starts at seq ${firstSeq}: older records were pruned by retention`);
  return notes;
}
