/**
 * SQL for sessions. Parameterized statements only; no knowledge of tokens beyond their hash.
 */
import type Database from 'better-sqlite3';

export interface SessionRow {
  id: string;
  token_hash: string;
  metadata: string;
  idle_timeout_ms: number;
  started_at: number;
  last_activity_at: number;
  ended_at: number | null;
  end_reason: string | null;
  /** The slug of the project it is bound to. */
  project: string | null;
}

export class SessionStore {
  private readonly s;

  constructor(db: Database.Database) {
    this.s = {
      insert:
        db.prepare(`INSERT INTO sessions (id, token_hash, metadata, idle_timeout_ms, started_at, last_activity_at, project)
        VALUES (?, ?, ?, ?, ?, ?, ?)`),
      get: db.prepare('SELECT * FROM sessions WHERE id = ?'),
      touch: db.prepare(
        'UPDATE sessions SET last_activity_at = max(last_activity_at, ?) WHERE id = ? AND ended_at IS NULL',
      ),
      end: db.prepare(
        'UPDATE sessions SET ended_at = ?, end_reason = ? WHERE id = ? AND ended_at IS NULL',
      ),
      listActive:
        db.prepare(`SELECT s.*, coalesce((SELECT c.entries FROM memory_namespace_counts c WHERE c.namespace = 'session:' || s.id), 0) AS entries
        FROM sessions s WHERE s.ended_at IS NULL ORDER BY s.started_at, s.rowid LIMIT ? OFFSET ?`),
      countActive: db.prepare('SELECT count(*) FROM sessions WHERE ended_at IS NULL').pluck(),
      countAll: db.prepare('SELECT count(*) FROM sessions').pluck(),
      listAll:
        db.prepare(`SELECT s.*, coalesce((SELECT c.entries FROM memory_namespace_counts c WHERE c.namespace = 'session:' || s.id), 0) AS entries
        FROM sessions s ORDER BY s.started_at DESC, s.rowid DESC LIMIT ? OFFSET ?`),
      active: db.prepare('SELECT * FROM sessions WHERE ended_at IS NULL'),
    };
  }

  insert(row: Omit<SessionRow, 'ended_at' | 'end_reason'>): void {
    this.s.insert.run(
      row.id,
      row.token_hash,
      row.metadata,
      row.idle_timeout_ms,
      row.started_at,
      row.last_activity_at,
      row.project,
    );
  }

  get(id: string): SessionRow | undefined {
    return this.s.get.get(id) as SessionRow | undefined;
  }

  touch(id: string, at: number): void {
    this.s.touch.run(at, id);
  }

  end(id: string, at: number, reason: string): boolean {
    return this.s.end.run(at, reason, id).changes > 0;
  }

  countActive(): number {
    return this.s.countActive.get() as number;
  }

  /** A page of sessions (active ones, or all), and how many there are in all. */
  list(
    includeEnded: boolean,
    limit: number,
    offset: number,
  ): { rows: (SessionRow & { entries: number })[]; total: number } {
    const [list, count] = includeEnded
      ? [this.s.listAll, this.s.countAll]
      : [this.s.listActive, this.s.countActive];
    return {
      rows: list.all(limit, offset) as (SessionRow & { entries: number })[],
      total: count.get() as number,
    };
  }

  active(): SessionRow[] {
    return this.s.active.all() as SessionRow[];
  }
}
