/**
 * The memory store's deletes: one key, a row read beforehand, the expired, a whole
 * namespace. Each runs in the caller's transaction, keeps the deleted entry's last version
 * in its history, leaves a tombstone for memory.changes and tells the store's listeners;
 * given only what the store hands them (DeleteContext), like the reads in entry-queries.ts.
 */
import type { EntryRow } from './entry-row.js';
import type { EntryStatements } from './entry-statements.js';
import type { EntryChange } from './entry-write-types.js';
import type { HistoryStore } from './history-store.js';
import type { DeleteReason, TombstoneStore } from './tombstone-store.js';

/** What deleting needs of the memory store. */
export interface DeleteContext {
  stmts: EntryStatements;
  history: HistoryStore;
  tombstones: TombstoneStore;
  emit: (change: EntryChange) => void;
}

/**
 * Deletes (namespace, key); true when there was a live entry. An entry already expired
 * counts as not there (false), though its row goes too (as the expiry job would take it).
 */
export function deleteKey(c: DeleteContext, namespace: string, key: string, at: number): boolean {
  const rows = c.stmts.deleteEntry.all(namespace, key) as EntryRow[];
  let live = false;
  for (const row of rows) {
    const expired = row.expires_at != null && row.expires_at <= at;
    afterDelete(c, row, expired ? 'expired' : 'deleted', at);
    live ||= !expired;
  }
  return live;
}

/** Deletes a row read beforehand (its history, tombstone and listeners as for any delete). */
export function deleteRow(c: DeleteContext, row: EntryRow, reason: DeleteReason, at: number): void {
  c.stmts.deleteRowid.run(row.rowid);
  afterDelete(c, row, reason, at);
}

function afterDelete(c: DeleteContext, row: EntryRow, reason: DeleteReason, at: number): void {
  c.history.record(row, 'deleted', at);
  // An expiry is reported as of when it expired, whenever its row went.
  c.tombstones.record(row, reason, reason === 'expired' ? (row.expires_at ?? at) : at);
  c.emit({ kind: 'deleted', rowid: row.rowid, namespace: row.namespace, key: row.key });
}

/**
 * Deletes up to `limit` entries whose expiry is at or before `at` (each as a delete:
 * history, tombstone, listeners), oldest expiry first; returns how many.
 */
export function deleteExpired(c: DeleteContext, at: number, limit: number): number {
  const rows = c.stmts.expired.all(at, limit) as EntryRow[];
  for (const row of rows) deleteRow(c, row, 'expired', at);
  return rows.length;
}

/**
 * Deletes every entry of a namespace (rows, tags, FTS rows, embeddings, links) and its
 * history; returns the count of entries.
 */
export function deleteNamespace(c: DeleteContext, namespace: string): number {
  c.history.deleteNamespace(namespace);
  c.tombstones.deleteNamespace(namespace);
  const deleted = c.stmts.deleteNamespace.run(namespace).changes;
  if (deleted > 0) c.emit({ kind: 'namespace-deleted', namespace });
  return deleted;
}
