/**
 * SQL for links between entries (link-schema.ts) and the walk over them. The store
 * knows nothing of sessions: the walk takes a Scope and applies it in SQL to every node
 * it reaches, so a node the caller may not read is never returned, never counted and
 * never walked through, and neither is any link to it.
 */
import type Database from 'better-sqlite3';
import { BY_ROWID } from './entry-row.js';
import { VIEW_COLUMNS, type EntryViewRow } from './entry-view.js';
import { whereClause, type Scope } from './memory-scope.js';
import { StatementCache } from '../statement-cache.js';

export type LinkDirection = 'out' | 'in' | 'both';

export interface LinkRow {
  from_rowid: number;
  to_rowid: number;
  type: string;
  metadata: string;
  created_at: number;
}

export interface WalkOptions {
  depth: number;
  direction: LinkDirection;
  type?: string | undefined;
  /** Most nodes returned, the start included. */
  maxNodes: number;
}

export interface Walk {
  /** Rowid → depth at which it was first reached (the start at 0). */
  nodes: Map<number, number>;
  edges: LinkRow[];
  /** True when maxNodes (or the per-level row bound) left reachable nodes out. */
  truncated: boolean;
}

/** Rows read per level at most, as a multiple of maxNodes: bounds the work a hub costs. */
const ROWS_PER_NODE = 20;

export class LinkStore {
  private readonly stmts;
  private readonly statements: StatementCache;

  constructor(db: Database.Database) {
    this.statements = new StatementCache(db);
    this.stmts = {
      rowid: db
        .prepare(
          'SELECT rowid FROM memory_entries WHERE namespace = ? AND key = ? AND (expires_at IS NULL OR expires_at > ?)',
        )
        .pluck(),
      find: db
        .prepare(
          'SELECT created_at FROM memory_links WHERE from_rowid = ? AND type = ? AND to_rowid = ?',
        )
        .pluck(),
      insert:
        db.prepare(`INSERT INTO memory_links (from_rowid, to_rowid, type, metadata, session_id, created_at)
        VALUES (?, ?, ?, ?, ?, ?)`),
      update: db.prepare(
        'UPDATE memory_links SET metadata = coalesce(?, metadata), session_id = ? WHERE from_rowid = ? AND type = ? AND to_rowid = ?',
      ),
      metadata: db
        .prepare(
          'SELECT metadata FROM memory_links WHERE from_rowid = ? AND type = ? AND to_rowid = ?',
        )
        .pluck(),
      unlink: db.prepare('DELETE FROM memory_links WHERE from_rowid = ? AND to_rowid = ?'),
      unlinkType: db.prepare(
        'DELETE FROM memory_links WHERE from_rowid = ? AND to_rowid = ? AND type = ?',
      ),
    };
  }

  /** The rowid of (namespace, key), if it exists and has not expired by `now`. */
  rowidOf(namespace: string, key: string, now = Date.now()): number | undefined {
    return this.stmts.rowid.get(namespace, key, now) as number | undefined;
  }

  /** Adds the link, or replaces its metadata (when given); true when it is new. */
  link(
    from: number,
    to: number,
    type: string,
    metadata: Record<string, unknown> | undefined,
    sessionId: string | null,
    at: number,
  ): { created: boolean; createdAt: number } {
    const s = this.stmts;
    const json = metadata === undefined ? null : JSON.stringify(metadata);
    const existing = s.find.get(from, type, to) as number | undefined;
    if (existing === undefined) s.insert.run(from, to, type, json ?? '{}', sessionId, at);
    else s.update.run(json, sessionId, from, type, to);
    return { created: existing === undefined, createdAt: existing ?? at };
  }

  /** A link's metadata (it must exist). */
  metadataOf(from: number, to: number, type: string): Record<string, unknown> {
    return JSON.parse(this.stmts.metadata.get(from, type, to) as string) as Record<string, unknown>;
  }

  /** Removes the link(s) from → to (of one type, or all); returns how many. */
  unlink(from: number, to: number, type?: string): number {
    return type === undefined
      ? this.stmts.unlink.run(from, to).changes
      : this.stmts.unlinkType.run(from, to, type).changes;
  }

  /**
   * Breadth-first from `start` (which the caller has checked it may read), at most
   * `depth` links away. Each node is visited once (cycles end there); a link is kept when
   * both its ends are among the nodes returned.
   */
  walk(start: number, scope: Scope, o: WalkOptions): Walk {
    const nodes = new Map<number, number>([[start, 0]]);
    const edges = new Map<string, LinkRow>();
    let truncated = false;
    let frontier = [start];
    const rowLimit = o.maxNodes * ROWS_PER_NODE;
    for (let depth = 1; depth <= o.depth && frontier.length > 0; depth++) {
      const rows = this.neighbours(frontier, scope, o, rowLimit + 1);
      if (rows.length > rowLimit) {
        truncated = true;
        rows.length = rowLimit;
      }
      const next: number[] = [];
      for (const { row, other } of rows) {
        if (!nodes.has(other)) {
          if (nodes.size >= o.maxNodes) {
            truncated = true;
            continue;
          }
          nodes.set(other, depth);
          next.push(other);
        }
        edges.set(`${row.from_rowid}:${row.type}:${row.to_rowid}`, row);
      }
      frontier = next;
    }
    return { nodes, edges: [...edges.values()], truncated };
  }

  /** Links of the frontier's nodes whose other end the scope allows, with that end. */
  private neighbours(
    frontier: number[],
    scope: Scope,
    o: WalkOptions,
    limit: number,
  ): { row: LinkRow; other: number }[] {
    const where = whereClause(scope, {});
    const type = o.type === undefined ? '' : ' AND l.type = ?';
    const typeParams = o.type === undefined ? [] : [o.type];
    const side = (near: 'from_rowid' | 'to_rowid', far: 'from_rowid' | 'to_rowid') =>
      `SELECT l.from_rowid, l.to_rowid, l.type, l.metadata, l.created_at, l.${far} AS other
       FROM json_each(?) j CROSS JOIN memory_links l ON l.${near} = j.value
       CROSS JOIN memory_entries e ON e.rowid = l.${far}
       WHERE ${where.sql}${type}`;
    const json = JSON.stringify(frontier);
    const parts: string[] = [];
    const params: unknown[] = [];
    if (o.direction !== 'in') {
      parts.push(side('from_rowid', 'to_rowid'));
      params.push(json, ...where.params, ...typeParams);
    }
    if (o.direction !== 'out') {
      parts.push(side('to_rowid', 'from_rowid'));
      params.push(json, ...where.params, ...typeParams);
    }
    const sql = `${parts.join(' UNION ALL ')} LIMIT ?`;
    const rows = this.statements.get(sql).all(...params, limit) as (LinkRow & { other: number })[];
    return rows.map(({ other, ...row }) => ({ row, other }));
  }

  /** The nodes' entries as view rows (previews), in the order of `rowids`. */
  views(rowids: readonly number[]): EntryViewRow[] {
    const rows = this.statements
      .get(`SELECT ${VIEW_COLUMNS} FROM ${BY_ROWID}`)
      .all(JSON.stringify(rowids)) as EntryViewRow[];
    const byRowid = new Map(rows.map((r) => [r.rowid, r]));
    return rowids.flatMap((r) => byRowid.get(r) ?? []);
  }
}
