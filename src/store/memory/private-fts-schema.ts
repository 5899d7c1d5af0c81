/**
 * Search statistics that depend only on what the searcher may read.
 *
 * BM25 weighs words by statistics over the whole index (row count, average length, how
 * many rows hold each word), so with one index for everything a session could read
 * another session's private words off its own results' scores. From this version:
 *
 * - `memory_fts` indexes shared namespaces only, and `memory_fts_private` the session
 *   namespaces, each row with its namespace as a token in the `owner` column (`o` + the
 *   namespace in hex), so a session counts its own matches without touching anyone
 *   else's. FTS5's own ranking of `memory_fts` now depends on shared rows alone.
 * - `memory_entries.fts_tokens` holds each entry's token count (key, content and tags,
 *   as the index tokenizes them), and `memory_namespace_counts.tokens` their sum per
 *   namespace, kept by triggers like `entries`: average lengths over exactly the
 *   namespaces a caller may read.
 *
 * Existing rows are moved and counted here, in the migration's transaction.
 */
import type { Migration } from '../migrations.js';
import { indexText } from './fts-text.js';
import { ftsTokenCount } from './fts-tokens.js';

const PAGE = 2000;

/** The `owner` token of a private namespace's rows in memory_fts_private. */
export const ownerToken = (namespace: string) =>
  `o${Buffer.from(namespace, 'utf8').toString('hex')}`;

/** An entry's token count as the full-text index sees it (key, content, tags). */
export function entryTokenCount(key: string, content: string, tags: readonly string[]): number {
  return (
    ftsTokenCount(indexText(key)) +
    ftsTokenCount(indexText(content)) +
    ftsTokenCount(tags.join(' '))
  );
}

export const privateFtsMigration: Migration = {
  version: 9,
  name: 'private full-text index, token counts per namespace',
  up(db) {
    db.exec(`
      CREATE VIRTUAL TABLE memory_fts_private USING fts5 (
        key, content, tags, owner,
        content = '', contentless_delete = 1,
        tokenize = 'unicode61 remove_diacritics 2'
      );
      ALTER TABLE memory_entries ADD COLUMN fts_tokens INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE memory_namespace_counts ADD COLUMN tokens INTEGER NOT NULL DEFAULT 0;

      DROP TRIGGER memory_entries_fts_delete;
      CREATE TRIGGER memory_entries_fts_delete AFTER DELETE ON memory_entries
        WHEN old.namespace NOT GLOB 'session:*' BEGIN
        DELETE FROM memory_fts WHERE rowid = old.rowid;
      END;
      CREATE TRIGGER memory_entries_fts_private_delete AFTER DELETE ON memory_entries
        WHEN old.namespace GLOB 'session:*' BEGIN
        DELETE FROM memory_fts_private WHERE rowid = old.rowid;
      END;
    `);
    const rows = db.prepare(
      'SELECT rowid, namespace, key, content, tags FROM memory_entries WHERE rowid > ? ORDER BY rowid LIMIT ?',
    );
    const setTokens = db.prepare('UPDATE memory_entries SET fts_tokens = ? WHERE rowid = ?');
    const unindex = db.prepare('DELETE FROM memory_fts WHERE rowid = ?');
    const indexPrivate = db.prepare(
      'INSERT INTO memory_fts_private (rowid, key, content, tags, owner) VALUES (?, ?, ?, ?, ?)',
    );
    for (let after = 0; ;) {
      const page = rows.all(after, PAGE) as {
        rowid: number;
        namespace: string;
        key: string;
        content: string;
        tags: string;
      }[];
      for (const r of page) {
        const tags = JSON.parse(r.tags) as string[];
        setTokens.run(entryTokenCount(r.key, r.content, tags), r.rowid);
        if (r.namespace.startsWith('session:')) {
          unindex.run(r.rowid);
          indexPrivate.run(
            r.rowid,
            indexText(r.key),
            indexText(r.content),
            tags.join(' '),
            ownerToken(r.namespace),
          );
        }
      }
      if (page.length < PAGE) break;
      after = page.at(-1)!.rowid;
    }
    db.exec(`
      UPDATE memory_namespace_counts AS c
        SET tokens = (SELECT coalesce(sum(e.fts_tokens), 0) FROM memory_entries e WHERE e.namespace = c.namespace);

      DROP TRIGGER memory_entries_count_insert;
      DROP TRIGGER memory_entries_count_delete;
      CREATE TRIGGER memory_entries_count_insert AFTER INSERT ON memory_entries BEGIN
        INSERT INTO memory_namespace_counts (namespace, entries, tokens)
          VALUES (new.namespace, 1, new.fts_tokens)
          ON CONFLICT (namespace) DO UPDATE SET entries = entries + 1, tokens = tokens + excluded.tokens;
      END;
      CREATE TRIGGER memory_entries_count_delete AFTER DELETE ON memory_entries BEGIN
        UPDATE memory_namespace_counts SET entries = entries - 1, tokens = tokens - old.fts_tokens
          WHERE namespace = old.namespace;
        DELETE FROM memory_namespace_counts WHERE namespace = old.namespace AND entries <= 0;
      END;
      CREATE TRIGGER memory_entries_count_tokens AFTER UPDATE OF fts_tokens ON memory_entries BEGIN
        UPDATE memory_namespace_counts SET tokens = tokens - old.fts_tokens + new.fts_tokens
          WHERE namespace = new.namespace;
      END;
    `);
  },
};
