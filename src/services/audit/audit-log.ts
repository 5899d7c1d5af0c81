/**
 * The tamper-evident audit log: security events as JSON lines, written through pino into
 * files rotated by pino-roll (directory 0700, files 0600). Every record carries `seq`
 * (1, 2, 3, …, never reset by rotation or restart) and `prevHash`, the SHA-256 of the
 * previous record's exact line, so `verifyAudit` finds an edited, removed or reordered
 * record, across rotated files too. The newest {seq, hash} is also kept outside the files
 * (the injected head store: the daemon's database), so cutting records off the end shows.
 *
 * Every record is bounded (audit-bounds.ts: at most MAX_RECORD_BYTES, secrets scrubbed)
 * and identical refusals in a short window are counted into one record
 * (audit-aggregate.ts), so a flood of bad requests cannot roll the evidence away.
 * Rotation is pino-roll's, by size and/or frequency, checked as records are written;
 * pruning is ours (audit-retention.ts), after each roll: by age, and by the `keep` cap,
 * which remembers any range it deletes while still younger than the retention period.
 */
import { chmodSync, mkdirSync } from 'node:fs';
import type { EventEmitter } from 'node:events';
import { join } from 'node:path';
import pino, { type Logger } from 'pino';
import roll from 'pino-roll';
import type { Redactor } from '../../config/secrets.js';
import type { AuditSink } from './audit-sink.js';
import { isSecretKeyName, maskSecret } from '../../config/secrets.js';
import { RefusalAggregator } from './audit-aggregate.js';
import { boundDetails, boundEvent, type Scrubber } from './audit-bounds.js';
import {
  memoryPruning,
  pruneAuditFiles,
  type AuditPruning,
  type AuditPruningStore,
  type PruneResult,
} from './audit-retention.js';
import {
  AUDIT_FILE,
  hashLine,
  lastRecordOnDisk,
  listAuditFiles,
  parseRecord,
  prepareFrequencyRoll,
  readRecordLines,
  tailRecords,
  ZERO_HASH,
  type AuditHead,
  type AuditHeadStore,
  type AuditRecord,
  type AuditTailOptions,
} from './audit-files.js';
import { verifyAudit, type AuditVerifyResult } from './audit-verify.js';

export type { AuditTailOptions } from './audit-files.js';

export interface AuditRotation {
  /** Start a new file past this size (pino-roll syntax: '500k', '10m', '1g'). */
  size?: string;
  /** Also start a new file every day or hour. */
  frequency?: 'daily' | 'hourly';
  /** How many files to keep at most, the current one included. */
  keep: number;
  /** Records younger than this many days are never pruned silently. */
  retentionDays: number;
}

export interface AuditLogOptions {
  /** `<dataDir>/audit`. */
  dir: string;
  redactor: Redactor;
  rotation: AuditRotation;
  head: AuditHeadStore;
  /** What pruning deleted, and any range it lost (default: kept in memory). */
  pruning?: AuditPruningStore;
  /** How long identical refusals are counted into one record (default 10 s; 0: off). */
  aggregateWindowMs?: number;
  clock?: () => Date;
  /** Where problems with the audit log itself are reported. */
  logger?: Logger;
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

const DAY_MS = 86_400_000;

export class AuditLog implements AuditSink {
  private readonly pino: Logger;
  private readonly scrubber: Scrubber;
  private readonly aggregator: RefusalAggregator;
  private readonly clock: () => Date;
  private readonly pruningStore: AuditPruningStore;
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
    const clock = (this.clock = options.clock ?? (() => new Date()));
    this.pruningStore = options.pruning ?? memoryPruning();
    const { redactor } = options;
    this.scrubber = {
      scrubText: (t) => redactor.scrubText(t),
      isSecretKey: isSecretKeyName,
      mask: maskSecret,
    };
    this.aggregator = new RefusalAggregator({
      windowMs: options.aggregateWindowMs ?? 10_000,
      clock,
      write: (event, details) => this.write(event, details),
    });
    out.on('error', (err: Error) =>
      options.logger?.error({ err }, 'writing the audit log failed; the chain will show a gap'),
    );
    // pino-roll reopens the stream on each roll: then is the time to prune.
    out.on('ready', () => this.prune());
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
      // No `limit`: pruning is ours (audit-retention.ts), so no young record goes unnoticed.
      mkdir: true,
      mode: 0o600,
      // Synchronous writes: once `record` returns the line is in the file, in chain order.
      sync: true,
    })) as RollStream;
    const log = new AuditLog(options, out, start);
    log.adoptEarlierPruning();
    log.prune();
    return log;
  }

  /**
   * A log from before pruning was recorded starts past seq 1 with nothing saying why:
   * trust what is on disk once, so later gaps at the start are measured from here.
   */
  private adoptEarlierPruning(): void {
    if (this.pruningStore.get()) return;
    let first: AuditRecord | undefined;
    for (const file of listAuditFiles(this.options.dir)) {
      first = readRecordLines(file.path)?.map(parseRecord).find(Boolean);
      if (first) break;
    }
    this.pruningStore.set({ throughSeq: first ? first.seq - 1 : 0, lost: [] });
  }

  /** What pruning has deleted, and any range it lost. */
  get pruning(): AuditPruning {
    return this.pruningStore.get() ?? { throughSeq: 0, lost: [] };
  }

  private get retentionMs(): number {
    return this.options.rotation.retentionDays * DAY_MS;
  }

  /** Prunes by age and by the file cap; a young range lost is logged and recorded. Never throws. */
  prune(): PruneResult | undefined {
    const { dir, rotation, logger } = this.options;
    let result: PruneResult;
    try {
      result = pruneAuditFiles({
        dir,
        keep: rotation.keep,
        retentionMs: this.retentionMs,
        now: this.clock(),
        pruning: this.pruning,
        save: (p) => this.pruningStore.set(p),
      });
    } catch (err) {
      logger?.error({ err }, 'pruning the audit log failed');
      return undefined;
    }
    if (this.closed) return result;
    if (result.aged.length > 0)
      this.record('audit.pruned', { files: result.aged, throughSeq: result.pruning.throughSeq });
    for (const loss of result.lost) {
      logger?.error(
        { ...loss, keep: rotation.keep, retentionDays: rotation.retentionDays },
        'audit records younger than audit.retentionDays were deleted to stay within audit.keep files; raise audit.keep or audit.rotateSize',
      );
      this.record('audit.records_lost', { ...loss, keep: rotation.keep });
    }
    if (result.unreadable.length > 0)
      this.record('audit.records_lost', { files: result.unreadable, reason: 'unreadable file' });
    return result;
  }

  /** Appends one record. Never throws: a failure is logged and shows as a gap in the chain. */
  record(event: string, details: Record<string, unknown> = {}): void {
    const { logger } = this.options;
    if (this.closed) {
      logger?.warn(
        { event: event.slice(0, 100) },
        'audit record after the audit log was closed; dropped',
      );
      return;
    }
    try {
      const bounded = boundDetails(details, this.scrubber);
      const name = boundEvent(event, this.scrubber);
      if (!this.aggregator.absorb(name, bounded)) this.write(name, bounded);
    } catch (err) {
      logger?.error({ err, event: event.slice(0, 100) }, 'recording an audit event failed');
    }
  }

  /** Writes one bounded record and saves the new head. */
  private write(event: string, details: Record<string, unknown>): void {
    try {
      const seq = this.seq + 1;
      this.pino.info({
        seq,
        prevHash: this.hash,
        event,
        ...(Object.keys(details).length > 0 && { details }),
      });
      this.seq = seq;
      this.options.head.set({ seq, hash: this.hash });
    } catch (err) {
      this.options.logger?.error({ err, event }, 'recording an audit event failed');
    }
  }

  /** Checks the whole retained chain against the saved head. Reads synchronously (bounded by size × keep). */
  verify(): AuditVerifyResult {
    return verifyAudit(this.options.dir, this.options.head.get(), {
      pruning: this.pruning,
      retentionMs: this.retentionMs,
      now: this.clock(),
    });
  }

  /** The newest records (up to `limit`, optionally of one event type), oldest first. */
  tail(options: AuditTailOptions): AuditRecord[] {
    return tailRecords(this.options.dir, options);
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
    // The counts of refusals still being aggregated go out before the file closes.
    this.aggregator.close();
    this.closed = true;
    return new Promise((resolve) => {
      this.out.once('close', () => resolve());
      this.out.end();
    });
  }
}
