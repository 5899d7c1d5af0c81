/**
 * A page of `memory.changes`: what was created, updated or deleted since a time, in
 * time order. Nothing is written for it on the store path: creates and updates come from
 * the entries themselves (created_at, updated_at), deletes from their tombstones
 * (tombstone-store.ts), and entries whose expiry has passed but that the memory.expire
 * job has not yet taken count as deleted when they expired. Each key shows once, as it
 * is now: an entry still there (created if it was created since, else updated), or its
 * last delete (only while no entry holds the key again).
 *
 * Three sources, each read in (at, id) order by an index, at most a page each, merged
 * here; the cursor (at, source, id) continues exactly after the last item shown.
 */
import { Buffer } from 'node:buffer';
import { scopeClause, whereClause, type Scope } from './memory-scope.js';
import type { DeleteReason } from './tombstone-store.js';
import {
  DEFAULT_REPLY_BUDGET_BYTES,
  PAGE_RESERVE_BYTES,
  ReplyBudget,
  decodeCursor,
  encodeCursor,
  jsonStringBound,
} from '../reply-budget.js';
import type { StatementCache } from '../statement-cache.js';

export interface ChangeItem {
  kind: 'created' | 'updated' | 'deleted';
  namespace: string;
  key: string;
  /** The entry's id (of the entry deleted, for a delete). */
  id: string;
  /** Its version now, or the version deleted. */
  version: number;
  /** When: updated_at, or when it was deleted or expired. */
  at: string;
  /** For a delete: deleted by a caller, or expired. */
  reason?: DeleteReason;
}

export interface ChangePage {
  changes: ChangeItem[];
  /** Pass back (with the same `since`) to continue; null when nothing follows. */
  cursor: string | null;
  truncated: boolean;
  /** The time this page was read at: `since` for the next look (changes at it may show twice). */
  until: string;
}

export interface ChangeArgs {
  scope: Scope;
  since: number;
  limit: number;
  cursor?: string | undefined;
  budgetBytes?: number | undefined;
  reserveBytes?: number | undefined;
  now: number;
}

interface Row {
  src: 0 | 1 | 2;
  id: number;
  at: number;
  created_at?: number;
  namespace: string;
  key: string;
  entry_id: string;
  version: number;
  reason?: DeleteReason;
}

/** The keyset condition for source `src` after cursor (at, src, id), on `atCol`/`idCol`. */
function after(
  cursor: [number, number, number] | undefined,
  src: number,
  atCol: string,
  idCol: string,
): { sql: string; params: number[] } {
  if (!cursor) return { sql: '', params: [] };
  const [at, csrc, id] = cursor;
  if (src > csrc) return { sql: ` AND ${atCol} >= ?`, params: [at] };
  if (src < csrc) return { sql: ` AND ${atCol} > ?`, params: [at] };
  return { sql: ` AND (${atCol} > ? OR (${atCol} = ? AND ${idCol} > ?))`, params: [at, at, id] };
}

export function changePage(statements: StatementCache, a: ChangeArgs): ChangePage {
  const cursor =
    a.cursor === undefined
      ? undefined
      : (decodeCursor('changes', a.cursor, 3) as [number, number, number]);
  const n = a.limit + 1;
  const live = whereClause(a.scope, {}, a.now);
  const scope = scopeClause(a.scope);
  const c0 = after(cursor, 0, 'e.updated_at', 'e.rowid');
  const entries = statements
    .get(
      `SELECT 0 AS src, e.rowid AS id, e.updated_at AS at, e.created_at, e.namespace, e.key,
         e.id AS entry_id, e.version FROM memory_entries e
       WHERE ${live.sql} AND e.updated_at >= ?${c0.sql} ORDER BY e.updated_at, e.rowid LIMIT ?`,
    )
    .all(...live.params, a.since, ...c0.params, n) as Row[];
  const c1 = after(cursor, 1, 'e.deleted_at', 'e.rowid');
  const deleted = statements
    .get(
      `SELECT 1 AS src, e.rowid AS id, e.deleted_at AS at, e.namespace, e.key, e.entry_id,
         e.version, e.reason FROM memory_tombstones e
       WHERE ${scope.sql} AND e.deleted_at >= ?${c1.sql}
         AND NOT EXISTS (SELECT 1 FROM memory_entries x WHERE x.namespace = e.namespace AND x.key = e.key)
       ORDER BY e.deleted_at, e.rowid LIMIT ?`,
    )
    .all(...scope.params, a.since, ...c1.params, n) as Row[];
  const c2 = after(cursor, 2, 'e.expires_at', 'e.rowid');
  const expired = statements
    .get(
      `SELECT 2 AS src, e.rowid AS id, e.expires_at AS at, e.namespace, e.key, e.id AS entry_id,
         e.version, 'expired' AS reason FROM memory_entries e INDEXED BY memory_entries_expires
       WHERE e.expires_at IS NOT NULL AND e.expires_at <= ? AND e.expires_at >= ?${c2.sql}
         AND ${scope.sql} ORDER BY e.expires_at, e.rowid LIMIT ?`,
    )
    .all(a.now, a.since, ...c2.params, ...scope.params, n) as Row[];
  const rows = [...entries, ...deleted, ...expired].sort(
    (x, y) => x.at - y.at || x.src - y.src || x.id - y.id,
  );
  const budget = new ReplyBudget(
    a.budgetBytes ?? DEFAULT_REPLY_BUDGET_BYTES,
    PAGE_RESERVE_BYTES + (a.reserveBytes ?? 0),
  );
  const changes: ChangeItem[] = [];
  let last: Row | undefined;
  let more = false;
  for (const row of rows) {
    const bytes =
      160 +
      jsonStringBound(row.namespace) +
      jsonStringBound(row.key) +
      Buffer.byteLength(row.entry_id);
    if (changes.length === a.limit || !budget.take(bytes)) {
      more = true;
      break;
    }
    changes.push(toItem(row, a.since));
    last = row;
  }
  return {
    changes,
    cursor: more && last ? encodeCursor('changes', [last.at, last.src, last.id]) : null,
    truncated: budget.truncated,
    until: new Date(a.now).toISOString(),
  };
}

function toItem(row: Row, since: number): ChangeItem {
  const base = {
    namespace: row.namespace,
    key: row.key,
    id: row.entry_id,
    version: row.version,
    at: new Date(row.at).toISOString(),
  };
  if (row.src !== 0) return { kind: 'deleted', ...base, reason: row.reason ?? 'deleted' };
  return { kind: (row.created_at ?? 0) >= since ? 'created' : 'updated', ...base };
}
