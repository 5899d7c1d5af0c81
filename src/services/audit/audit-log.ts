/**
 * The tamper-evident audit log: security events as JSON lines, written through pino into
 * files rotated by pino-roll (directory 0700, files 0600). Every record carries `seq`
 * (1, 2, 3, …, never reset by rotation or restart) and `prevHash`, the SHA-256 of the
 * previous record's exact line, so `verifyAudit` finds an edited, removed or reordered
 * record, across rotated files too. The newest {seq, hash} is also kept outside the files
 * (the injected head store: the daemon's database), so cutting records off the end shows.
 *
 * Rotation is pino-roll's, by size and/or frequency, checked as records are written;
 * pino-roll offers no way to force a roll, so there is no `rotateNow()`. Retention is
 * pino-roll's `limit.count`: when a new file starts, all but the newest `keep` files are
 * deleted. Details pass through the redactor first, so no secret reaches a file.
 */
import { chmodSync, mkdirSync } from 'node:fs';
import type { EventEmitter } from 'node:events';
import { join } from 'node:path';
import pino, { type Logger } from 'pino';
import roll from 'pino-roll';
import type { Redactor } from '../../config/secrets.js';
import type { AuditSink } from './audit-sink.js';
import {
  AUDIT_FILE,
  hashLine,
  lastRecordOnDisk,
  listAuditFiles,
  parseRecord,
  prepareFrequencyRoll,
  readRecordLines,
  ZERO_HASH,
  type AuditHead,
  type AuditHeadStore,
  type AuditRecord,
} from './audit-files.js';
import { verifyAudit, type AuditVerifyResult } from './audit-verify.js';

export interface AuditRotation {
  /** Start a new file past this size (pino-roll syntax: '500k', '10m', '1g'). */
  size?: string;
  /** Also start a new file every day or hour. */
  frequency?: 'daily' | 'hourly';
  /** How many files to keep, the current one included. */
  keep: number;
}

export interface AuditLogOptions {
  /** `<dataDir>/audit`. */
  dir: string;
  redactor: Redactor;
  rotation: AuditRotation;
  head: AuditHeadStore;
  clock?: () => Date;
  /** Where problems with the audit log itself are reported. */
  logger?: Logger;
}

export interface AuditTailOptions {
  limit: number;
  /** Only events starting with this (`session.` or `session.start`). */
  type?: string;
  /** Only records after this seq (for following the log). */
  afterSeq?: number;
}

type RollStream = Awaited<ReturnType<typeof roll>> & EventEmitter;

/** Where the chain continues: the saved head, unless the files are ahead of it (a crash between writing a record and saving the head). */
function resumePoint(options: AuditLogOptions): AuditHead {
  const saved = options.head.get();
  const onDisk = lastRecordOnDisk(listAuditFiles(options.dir));
  if (onDisk && (!saved || onDisk.seq > saved.seq)) return onDisk;
  if (saved && (onDisk?.seq ?? 0) < saved.seq) {
    // Continue from the head anyway, so the gap stays in the chain for `audit verify` to report.
    options.logger?.error(
      { headSeq: saved.seq, lastSeqOnDisk: onDisk?.seq ?? null },
      'audit log is missing its newest records; run `aistack audit verify`',
    );
  }
  return saved ?? { seq: 0, hash: ZERO_HASH };
}

export class AuditLog implements AuditSink {
  private readonly pino: Logger;
  private seq: number;
  private hash: string;
  private closed = false;

  private constructor(
    private readonly options: AuditLogOptions,
    private readonly out: RollStream,
    start: AuditHead,
  ) {
    this.seq = start.seq;
    this.hash = start.hash;
    const clock = options.clock ?? (() => new Date());
    out.on('error', (err: Error) =>
      options.logger?.error({ err }, 'writing the audit log failed; the chain will show a gap'),
    );
    // pino hands each record to `write` as one finished line, synchronously, so the hash
    // is over exactly the bytes that reach the file, and the next record can chain to it.
    const hashingDestination = {
      write: (line: string) => {
        this.hash = hashLine(line.endsWith('\n') ? line.slice(0, -1) : line);
        out.write(line);
      },
    };
    this.pino = pino(
      {
        level: 'info',
        base: null,
        timestamp: () => `,"time":"${clock().toISOString()}"`,
      },
      hashingDestination,
    );
  }

  /** Opens (creating if needed) the audit directory and continues the chain where it left off. */
  static async open(options: AuditLogOptions): Promise<AuditLog> {
    const { dir, rotation, logger } = options;
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    chmodSync(dir, 0o700);
    for (const file of listAuditFiles(dir)) chmodSync(file.path, 0o600);
    const start = resumePoint(options);
    let frequency = rotation.frequency;
    if (frequency && !prepareFrequencyRoll(dir, frequency)) {
      logger?.warn(
        { dir },
        'this filesystem records no file birth times, which rotating by frequency needs; the audit log rotates by size only',
      );
      frequency = undefined;
    }
    const out = (await roll({
      file: join(dir, AUDIT_FILE),
      ...(rotation.size !== undefined && { size: rotation.size }),
      ...(frequency && { frequency }),
      // removeOtherLogFiles: prune by what is on disk, so files of earlier runs count too.
      limit: { count: rotation.keep, removeOtherLogFiles: true },
      mkdir: true,
      mode: 0o600,
      // Synchronous writes: once `record` returns the line is in the file, in chain order.
      sync: true,
    })) as RollStream;
    return new AuditLog(options, out, start);
  }

  /** Appends one record. Never throws: a failure is logged and shows as a gap in the chain. */
  record(event: string, details: Record<string, unknown> = {}): void {
    const { redactor, head, logger } = this.options;
    if (this.closed) {
      logger?.warn({ event }, 'audit record after the audit log was closed; dropped');
      return;
    }
    try {
      const seq = this.seq + 1;
      const scrubbed = redactor.scrub(details);
      this.pino.info({
        seq,
        prevHash: this.hash,
        event: redactor.scrubText(event),
        ...(Object.keys(scrubbed).length > 0 && { details: scrubbed }),
      });
      this.seq = seq;
      head.set({ seq, hash: this.hash });
    } catch (err) {
      logger?.error({ err, event }, 'recording an audit event failed');
    }
  }

  /** Checks the whole retained chain against the saved head. Reads synchronously (bounded by size × keep). */
  verify(): AuditVerifyResult {
    return verifyAudit(this.options.dir, this.options.head.get());
  }

  /** The newest records (up to `limit`, optionally of one event type), oldest first. */
  tail({ limit, type, afterSeq = 0 }: AuditTailOptions): AuditRecord[] {
    const found: AuditRecord[] = [];
    for (const file of listAuditFiles(this.options.dir).reverse()) {
      const lines = readRecordLines(file.path) ?? [];
      for (let i = lines.length - 1; i >= 0 && found.length < limit; i--) {
        const record = parseRecord(lines[i]!);
        if (!record) continue;
        if (record.seq <= afterSeq) return found.reverse();
        if (!type || record.event.startsWith(type)) found.push(record);
      }
      if (found.length >= limit) break;
    }
    return found.reverse();
  }

  /** Paths of the retained audit files, oldest → newest. */
  files(): string[] {
    return listAuditFiles(this.options.dir).map((f) => f.path);
  }

  /** The newest record's seq and line hash (0 and zeros before the first record). */
  get head(): AuditHead {
    return { seq: this.seq, hash: this.hash };
  }

  /** Stops recording, then closes the file once everything written has been synced. */
  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.closed = true;
    return new Promise((resolve) => {
      this.out.once('close', () => resolve());
      this.out.end();
    });
  }
}
