/**
 * Projects (migration 10): memory that persists per project and is read only by the
 * sessions bound to that project (and the owner).
 *
 * - `projects` records each project: its slug (the namespace is `project:<slug>`, fixed
 *   for life), a display name (rename changes only this), the root folder it was bound
 *   from (unique when known) and when it was first seen.
 * - `sessions.project` is the slug a session is bound to, or NULL.
 * - Project namespaces join session namespaces in the private full-text index, so a
 *   stranger's scores never depend on them: the delete triggers now route `project:*`
 *   rows there, and the rows of any `project:*` namespace stored before this version
 *   (then an ordinary shared name) are moved into it. The entries themselves stay where
 *   they are.
 */
import type { Migration } from '../migrations.js';
import { indexText } from '../memory/fts-text.js';
import { ownerToken } from '../memory/private-fts-schema.js';

const PAGE = 2000;

export const projectMigration: Migration = {
  version: 10,
  name: 'projects',
  up(db) {
    db.exec(`
      CREATE TABLE projects (
        slug TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        root TEXT UNIQUE,
        created_at INTEGER NOT NULL
      ) STRICT;
      ALTER TABLE sessions ADD COLUMN project TEXT;

      DROP TRIGGER memory_entries_fts_delete;
      DROP TRIGGER memory_entries_fts_private_delete;
      CREATE TRIGGER memory_entries_fts_delete AFTER DELETE ON memory_entries
        WHEN old.namespace NOT GLOB 'session:*' AND old.namespace NOT GLOB 'project:*' BEGIN
        DELETE FROM memory_fts WHERE rowid = old.rowid;
      END;
      CREATE TRIGGER memory_entries_fts_private_delete AFTER DELETE ON memory_entries
        WHEN old.namespace GLOB 'session:*' OR old.namespace GLOB 'project:*' BEGIN
        DELETE FROM memory_fts_private WHERE rowid = old.rowid;
      END;
    `);
    const rows = db.prepare(
      `SELECT rowid, namespace, key, content, tags FROM memory_entries
       WHERE namespace GLOB 'project:*' AND rowid > ? ORDER BY rowid LIMIT ?`,
    );
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
        unindex.run(r.rowid);
        const tags = JSON.parse(r.tags) as string[];
        indexPrivate.run(
          r.rowid,
          indexText(r.key),
          indexText(r.content),
          tags.join(' '),
          ownerToken(r.namespace),
        );
      }
      if (page.length < PAGE) break;
      after = page.at(-1)!.rowid;
    }
  },
};
