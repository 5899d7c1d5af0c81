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
