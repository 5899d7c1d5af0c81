/**
 * The reads of memory entries that are not pages (entry-pages.ts has those): how many
 * match, the keys under a prefix, entries by rowid for ranked hits, namespace counts.
 * Each applies the caller's scope in SQL, binds every value and leaves out expired
 * entries; given only a statement cache, like the page reads.
 */
import { BY_ROWID, COLUMNS, toEntry, type Entry, type EntryRow } from './entry-row.js';
import { hasFilters, scopeClause, whereClause, type Filters, type Scope } from './memory-scope.js';
import type { StatementCache } from '../statement-cache.js';

/** An entry with its content's length in characters (its content may be only a start). */
export type SizedEntry = Entry & { size: number };
export type PrefixKeys = { keys: { key: string; id: string; version: number }[]; total: number };

/** How many entries match: from the per-namespace counts when only the scope filters. */
export function countMatches(statements: StatementCache, scope: Scope, filters: Filters): number {
  if (!hasFilters(filters)) {
    const counts = scopeClause(scope);
    return statements
      .get(`SELECT coalesce(sum(e.entries), 0) FROM memory_namespace_counts e WHERE ${counts.sql}`)
      .pluck()
      .get(...counts.params) as number;
  }
  const where = whereClause(scope, filters);
  return statements
    .get(`SELECT count(*) FROM memory_entries e WHERE ${where.sql}`)
    .pluck()
    .get(...where.params) as number;
}

/**
 * Bounds for the keys starting with `prefix` under SQLite's binary order: from the prefix
 * itself up to (not including) the prefix with its last character raised by one, plus the
 * prefix's length in characters as substr counts them. No upper bound when the last
 * character is already the highest.
 */
function prefixRange(prefix: string): { upper: string | undefined; length: number } {
  const chars = [...prefix];
  const last = chars.pop()!.codePointAt(0)!;
  let next = last + 1;
  if (next === 0xd800) next = 0xe000; // skip the surrogates
  const upper = next > 0x10ffff ? undefined : chars.join('') + String.fromCodePoint(next);
  return { upper, length: chars.length + 1 };
}

/**
 * The live entries of `namespace` whose key starts with `prefix`, in key order: the
 * first `limit` of them (key, id, version) and how many there are in all.
 */
export function keysWithPrefix(
  statements: StatementCache,
  namespace: string,
  prefix: string,
  limit: number,
  now: number,
): PrefixKeys {
  const range = prefixRange(prefix);
  const where = `e.namespace = ? AND e.key >= ?${range.upper === undefined ? '' : ' AND e.key < ?'}
    AND substr(e.key, 1, ?) = ? AND (e.expires_at IS NULL OR e.expires_at > ?)`;
  const params = [
    namespace,
    prefix,
    ...(range.upper === undefined ? [] : [range.upper]),
    range.length,
    prefix,
    now,
  ];
  const keys = statements
    .get(
      `SELECT e.key, e.id, e.version FROM memory_entries e WHERE ${where} ORDER BY e.key LIMIT ?`,
    )
    .all(...params, limit) as PrefixKeys['keys'];
  const total = statements
    .get(`SELECT count(*) FROM memory_entries e WHERE ${where}`)
    .pluck()
    .get(...params) as number;
  return { keys, total };
}

/**
 * The entries among `rowids` that the scope and filters allow, by rowid (for ranked and
 * vector hits), each with its content's `size` in characters. With `contentChars`, each
 * content is only its first that many characters (enough for a snippet).
 */
export function entriesByRowid(
  statements: StatementCache,
  rowids: readonly number[],
  scope: Scope,
  filters: Filters,
  contentChars?: number,
): Map<number, SizedEntry> {
  const out = new Map<number, SizedEntry>();
  if (rowids.length === 0) return out;
  const where = whereClause(scope, filters);
  const columns =
    contentChars === undefined
      ? COLUMNS
      : COLUMNS.replace(
          'e.content',
          `substr(e.content, 1, ${Math.trunc(contentChars)}) AS content`,
        );
  const rows = statements
    .get(`SELECT ${columns}, length(e.content) AS size FROM ${BY_ROWID} WHERE ${where.sql}`)
    .all(JSON.stringify(rowids), ...where.params) as (EntryRow & { size: number })[];
  for (const row of rows) out.set(row.rowid, { ...toEntry(row), size: row.size });
  return out;
}

/** The namespaces the scope may see, with their entry counts (from the counts table). */
export function namespaceCounts(
  statements: StatementCache,
  scope: Scope,
): { namespace: string; count: number }[] {
  const where = scopeClause(scope);
  return statements
    .get(
      `SELECT e.namespace AS namespace, e.entries AS count FROM memory_namespace_counts e WHERE ${where.sql} ORDER BY e.namespace`,
    )
    .all(...where.params) as { namespace: string; count: number }[];
}
