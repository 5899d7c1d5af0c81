/**
 * The page-shaped reads of memory entries, each bounded by a reply budget: a list page
 * (previews, or whole contents for a small page), and an export page (whole entries).
 * Rows are read one at a time and the page stops at the first that does not fit, so a
 * read never holds more than the page it returns (plus the row that ended it).
 * Synchronous and given only a statement cache: the same functions serve the main
 * thread and reader threads with their own connections.
 *
 * The list continues by keyset on its order (updated_at DESC, rowid DESC), not by
 * offset: a write or delete between two pages moves no unseen entry across the cursor,
 * so following cursors never repeats an entry and never skips one that was not changed
 * meanwhile (an entry updated meanwhile moves to the front, where offsets would have
 * shifted everything after it by one).
 */
import { Buffer } from 'node:buffer';
import { AppError } from '../../core/errors.js';
import { COLUMNS, toEntry, type Entry, type EntryRow } from './entry-row.js';
import {
  FULL_CONTENT_LIMIT_MAX,
  VIEW_COLUMNS,
  fitView,
  type EntryView,
  type EntryViewRow,
} from './entry-view.js';
import { whereClause, type Filters, type Scope } from './memory-scope.js';
import {
  DEFAULT_REPLY_BUDGET_BYTES,
  PAGE_RESERVE_BYTES,
  ReplyBudget,
  decodeCursor,
  encodeCursor,
  jsonStringBound,
  jsonStringBytes,
} from '../reply-budget.js';
import type { StatementCache } from '../statement-cache.js';

/** How a page is cut: the reply's byte budget, and what its envelope needs beside the page. */
export interface PageBudget {
  /** The whole reply line may weigh this much (default 8 MiB). */
  budgetBytes?: number | undefined;
  /** Bytes the reply's envelope needs (the JSON-RPC frame and its id). */
  reserveBytes?: number | undefined;
}

export interface ListPageOptions extends PageBudget {
  /** A cursor from the previous page: continue right after its last entry. */
  cursor?: string | undefined;
  /** Whole contents instead of previews (pages of at most FULL_CONTENT_LIMIT_MAX). */
  content?: boolean | undefined;
  /** The order: by updated (default) or created time, newest (default) or oldest first. */
  sort?: ListSort | undefined;
}

export interface ListSort {
  by: 'updated' | 'created';
  order: 'desc' | 'asc';
}

export interface EntryPage {
  entries: EntryView[];
  total: number;
  /** True when the budget cut the page short (or cut an entry's content). */
  truncated: boolean;
  /** Pass back for the next page; null when there is nothing after this one. */
  cursor: string | null;
}

export interface ExportPage {
  entries: Entry[];
  cursor: number | null;
  truncated: boolean;
  /** Entries too large for the budget on their own: left out of the export, named here. */
  omitted: { id: string; namespace: string; key: string; size: number }[];
}

export const newBudget = (o: PageBudget) =>
  new ReplyBudget(
    o.budgetBytes ?? DEFAULT_REPLY_BUDGET_BYTES,
    PAGE_RESERVE_BYTES + (o.reserveBytes ?? 0),
  );

/** INVALID_PARAMS unless a page asking for whole contents is small. */
export function checkContentLimit(content: boolean | undefined, limit: number): void {
  if (content && limit > FULL_CONTENT_LIMIT_MAX) {
    throw new AppError(
      'INVALID_PARAMS',
      `whole contents (content: true) come only in pages of at most ${FULL_CONTENT_LIMIT_MAX} (limit ≤ ${FULL_CONTENT_LIMIT_MAX}); list previews, or read entries with memory.get`,
      {
        issues: [
          { path: ['limit'], message: `with content: true, limit ≤ ${FULL_CONTENT_LIMIT_MAX}` },
        ],
      },
    );
  }
}

/** A list page, newest first, without its total (see MemoryStore.list). */
export function listPage(
  statements: StatementCache,
  scope: Scope,
  filters: Filters,
  limit: number,
  offset: number,
  o: ListPageOptions,
): Omit<EntryPage, 'total'> {
  const full = o.content === true;
  checkContentLimit(full, limit);
  const where = whereClause(scope, filters);
  const params = [...where.params];
  const by = o.sort?.by ?? 'updated';
  const order = o.sort?.order ?? 'desc';
  const column = by === 'created' ? 'created_at' : 'updated_at';
  // The default order keeps the cursors it always gave; another order has its own kind.
  const kind = by === 'updated' && order === 'desc' ? 'list' : `list-${by}-${order}`;
  const cmp = order === 'desc' ? '<' : '>';
  const dir = order === 'desc' ? 'DESC' : 'ASC';
  let after = '';
  if (o.cursor !== undefined) {
    const [at, rowid] = decodeCursor(kind, o.cursor, 2) as [number, number];
    after = ` AND (e.${column} ${cmp} ? OR (e.${column} = ? AND e.rowid ${cmp} ?))`;
    params.push(at, at, rowid);
  }
  const stmt = statements.get(
    `SELECT ${VIEW_COLUMNS} FROM memory_entries e WHERE ${where.sql}${after}
     ORDER BY e.${column} ${dir}, e.rowid ${dir} LIMIT ? OFFSET ?`,
  );
  // One row past the limit says whether a next page exists. Whole contents are read one
  // entry at a time once the (small) page of rows is known.
  const rows = full
    ? (stmt.all(...params, limit + 1, offset) as EntryViewRow[])
    : (stmt.iterate(...params, limit + 1, offset) as IterableIterator<EntryViewRow>);
  const content = statements.get('SELECT content FROM memory_entries WHERE rowid = ?').pluck();
  const budget = newBudget(o);
  const entries: EntryView[] = [];
  let last: EntryViewRow | undefined;
  let more = false;
  for (const row of rows) {
    if (entries.length === limit) {
      more = true;
      break;
    }
    if (full) row.text = (content.get(row.rowid) as string | undefined) ?? '';
    const view = fitView(row, full, budget);
    if (!view) {
      more = true;
      break;
    }
    entries.push(view);
    last = row;
  }
  return {
    entries,
    truncated: budget.truncated,
    cursor: more && last ? encodeCursor(kind, [last[column], last.rowid]) : null,
  };
}

/** Field names, punctuation, timestamps and numbers of a whole entry. */
const ENTRY_FIXED_BYTES = 300;

/** A page of whole entries in insertion order after `afterRowid` (see MemoryStore.exportPage). */
export function exportPage(
  statements: StatementCache,
  scope: Scope,
  afterRowid: number,
  limit: number,
  o: PageBudget,
): ExportPage {
  const where = whereClause(scope, {});
  const rows = statements
    .get(
      `SELECT ${COLUMNS}, length(e.content) AS size FROM memory_entries e
       WHERE e.rowid > ? AND ${where.sql} ORDER BY e.rowid LIMIT ?`,
    )
    .iterate(afterRowid, ...where.params, limit) as IterableIterator<EntryRow & { size: number }>;
  const budget = newBudget(o);
  const entries: Entry[] = [];
  const omitted: ExportPage['omitted'] = [];
  let seen = 0;
  let lastRowid: number | undefined;
  let stopped = false;
  for (const row of rows) {
    const fixed =
      ENTRY_FIXED_BYTES +
      jsonStringBound(row.id) +
      jsonStringBound(row.key) +
      jsonStringBound(row.namespace) +
      jsonStringBound(row.agent_id) +
      jsonStringBound(row.session_id) +
      Buffer.byteLength(row.metadata) +
      Buffer.byteLength(row.tags);
    const bytes = fixed + jsonStringBytes(row.content);
    if (!budget.take(bytes)) {
      if (!budget.empty) {
        stopped = true;
        break;
      }
      // Alone over the budget: an export never cuts an entry, it names it instead.
      omitted.push({ id: row.id, namespace: row.namespace, key: row.key, size: row.size });
      budget.take(100 + jsonStringBound(row.id) + jsonStringBound(row.key) + row.namespace.length);
    } else {
      entries.push(toEntry(row));
    }
    seen++;
    lastRowid = row.rowid;
  }
  const more = stopped || seen === limit;
  return {
    entries,
    cursor: more && lastRowid !== undefined ? lastRowid : null,
    truncated: budget.truncated,
    omitted,
  };
}
