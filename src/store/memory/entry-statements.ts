/**
 * The prepared statements of the memory store's write paths and point reads, each with
 * every value bound as a parameter. `insert` serves new entries and imported ones alike
 * (an import passes the exported id, times and version instead of fresh ones).
 */
import type Database from 'better-sqlite3';
import { COLUMNS } from './entry-row.js';

export function prepareEntryStatements(db: Database.Database) {
  return {
    // Expired or not: a write replaces what is there.
    get: db.prepare(`SELECT ${COLUMNS} FROM memory_entries e WHERE e.namespace = ? AND e.key = ?`),
    getLive: db.prepare(
      `SELECT ${COLUMNS} FROM memory_entries e WHERE e.namespace = ? AND e.key = ?
       AND (e.expires_at IS NULL OR e.expires_at > ?)`,
    ),
    insert: db.prepare(`INSERT INTO memory_entries
      (id, namespace, key, content, metadata, tags, agent_id, session_id, created_at, updated_at, version, fts_tokens, expires_at)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
    update: db.prepare(`UPDATE memory_entries
      SET content = ?, metadata = ?, tags = ?, agent_id = ?, session_id = ?, updated_at = ?, version = version + 1, fts_tokens = ?, expires_at = ?
      WHERE rowid = ?`),
    deleteTags: db.prepare('DELETE FROM memory_tags WHERE entry_rowid = ?'),
    insertTag: db.prepare('INSERT OR IGNORE INTO memory_tags (tag, entry_rowid) VALUES (?, ?)'),
    deleteEntry: db.prepare(
      `DELETE FROM memory_entries WHERE namespace = ? AND key = ? RETURNING ${COLUMNS.replaceAll('e.', '')}`,
    ),
    deleteRowid: db.prepare('DELETE FROM memory_entries WHERE rowid = ?'),
    // The vector of the old text is wrong for the new one; it is embedded again.
    deleteEmbedding: db.prepare('DELETE FROM memory_embeddings WHERE entry_rowid = ?'),
    deleteNamespace: db.prepare('DELETE FROM memory_entries WHERE namespace = ?'),
    idExists: db.prepare('SELECT 1 FROM memory_entries WHERE id = ?'),
    countNamespace: db
      .prepare('SELECT coalesce(max(entries), 0) FROM memory_namespace_counts WHERE namespace = ?')
      .pluck(),
    // Oldest expiry first, for the expiry job.
    expired: db.prepare(
      `SELECT ${COLUMNS} FROM memory_entries e INDEXED BY memory_entries_expires
       WHERE e.expires_at IS NOT NULL AND e.expires_at <= ? ORDER BY e.expires_at LIMIT ?`,
    ),
  };
}

export type EntryStatements = ReturnType<typeof prepareEntryStatements>;
