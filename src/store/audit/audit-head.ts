/**
 * The audit chain head kept in the daemon's database (a `daemon_meta` row), apart from the
 * audit files: cutting the newest records off a file cannot also rewind it.
 */
import type Database from 'better-sqlite3';

/** The newest audit record: its seq and the hash of its line. */
export interface AuditHead {
  seq: number;
  hash: string;
}

/** Keeps the chain head somewhere the audit files' editor is less likely to reach (the daemon's database). */
export interface AuditHeadStore {
  get(): AuditHead | undefined;
  set(head: AuditHead): void;
}

export function metaAuditHead(db: Database.Database, key = 'audit.head'): AuditHeadStore {
  const read = db.prepare('SELECT value FROM daemon_meta WHERE key = ?').pluck();
  const write = db.prepare(
    'INSERT INTO daemon_meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
  );
  return {
    get() {
      const value = read.get(key) as string | undefined;
      let head: Partial<AuditHead> | undefined;
      try {
        head = value === undefined ? undefined : (JSON.parse(value) as Partial<AuditHead>);
      } catch {
        return undefined; // a mangled row is as good as none: the files decide, verify says "head not checked"
      }
      return typeof head?.seq === 'number' && typeof head.hash === 'string'
        ? { seq: head.seq, hash: head.hash }
        : undefined;
    },
    set(head) {
      write.run(key, JSON.stringify({ seq: head.seq, hash: head.hash }));
    },
  };
}

/** Records deleted while younger than the retention period (size pressure): the evidence lost. */
export interface AuditLoss {
  firstSeq: number;
  lastSeq: number;
  firstTime: string;
  lastTime: string;
  /** When the daemon deleted them. */
  deletedAt: string;
}

/** What the daemon has pruned: records up to `throughSeq` are gone on purpose. */
export interface AuditPruning {
  /** Every record up to this seq was pruned (by age, or lost: see `lost`); 0 for none. */
  throughSeq: number;
  /** Ranges pruned while still younger than the retention period, oldest first. */
  lost: AuditLoss[];
}

export interface AuditPruningStore {
  get(): AuditPruning | undefined;
  set(pruning: AuditPruning): void;
}

function isLoss(l: unknown): l is AuditLoss {
  const o = l as Record<string, unknown> | null;
  return (
    !!o &&
    typeof o.firstSeq === 'number' &&
    typeof o.lastSeq === 'number' &&
    typeof o.firstTime === 'string' &&
    typeof o.lastTime === 'string' &&
    typeof o.deletedAt === 'string'
  );
}

/** The pruning record in a `daemon_meta` row beside the chain head. */
export function metaAuditPruning(db: Database.Database, key = 'audit.pruning'): AuditPruningStore {
  const read = db.prepare('SELECT value FROM daemon_meta WHERE key = ?').pluck();
  const write = db.prepare(
    'INSERT INTO daemon_meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
  );
  return {
    get() {
      const value = read.get(key) as string | undefined;
      if (value === undefined) return undefined;
      let parsed: Partial<AuditPruning>;
      try {
        parsed = JSON.parse(value) as Partial<AuditPruning>;
      } catch {
        return undefined;
      }
      if (typeof parsed?.throughSeq !== 'number') return undefined;
      return {
        throughSeq: parsed.throughSeq,
        lost: Array.isArray(parsed.lost) ? parsed.lost.filter(isLoss) : [],
      };
    },
    set(pruning) {
      write.run(key, JSON.stringify(pruning));
    },
  };
}
