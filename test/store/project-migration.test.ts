/**
 * Migration 10 on a database that already holds a `project:*` namespace (before projects,
 * an ordinary shared name): the entries stay where they are, their full-text rows move to
 * the private index, and from then on only a caller allowed that project finds them —
 * the shared index, and so everyone else's statistics, no longer count them.
 */
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { indexText } from '../../src/store/memory/fts-text.js';
import { MemoryStore } from '../../src/store/memory/memory-store.js';
import { ownerToken } from '../../src/store/memory/private-fts-schema.js';
import { createSchema, runMigrations } from '../../src/store/migrations.js';
import { MIGRATIONS } from '../../src/store/schema.js';

/** An entry written as version 9 wrote it: shared names in memory_fts. */
function putV9(db: Database.Database, rowid: number, namespace: string, content: string) {
  db.prepare(
    `INSERT INTO memory_entries (rowid, id, namespace, key, content, created_at, updated_at, fts_tokens)
     VALUES (?, ?, ?, ?, ?, 0, 0, 2)`,
  ).run(rowid, `id-${rowid}`, namespace, `k${rowid}`, content);
  db.prepare('INSERT INTO memory_fts (rowid, key, content, tags) VALUES (?, ?, ?, ?)').run(
    rowid,
    `k${rowid}`,
    indexText(content),
    '',
  );
}

describe('migration 10 (projects)', () => {
  it('keeps earlier project:* entries where they are and moves their words to the private index', () => {
    const db = new Database(':memory:');
    createSchema(
      db,
      MIGRATIONS,
      MIGRATIONS.map((m) => m.version).filter((v) => v < 10),
    );
    putV9(db, 1, 'project:legacy', 'zebra legacy');
    putV9(db, 2, 'notes', 'zebra shared');
    expect(runMigrations(db, MIGRATIONS)).toContain(10);

    const shared = db.prepare('SELECT rowid FROM memory_fts WHERE memory_fts MATCH ?').pluck();
    expect(shared.all('zebra')).toEqual([2]);
    const priv = db
      .prepare('SELECT rowid FROM memory_fts_private WHERE memory_fts_private MATCH ?')
      .pluck();
    expect(priv.all(`zebra AND owner : "${ownerToken('project:legacy')}"`)).toEqual([1]);

    const store = new MemoryStore(db);
    expect(store.get('project:legacy', 'k1')?.content).toBe('zebra legacy');
    const found = (scope: object) =>
      store
        .fullTextCandidates('"zebra"', scope, {}, { shared: 50, own: 50 })
        .map((r) => r.rowid)
        .sort();
    expect(found({})).toEqual([2]);
    expect(found({ projectNamespace: 'project:legacy' })).toEqual([1, 2]);
    expect(found({ projectNamespace: 'project:other' })).toEqual([2]);
    expect(found({ allProjects: true })).toEqual([1, 2]);
    expect(store.fullTextStats(['"zebra"'], {}).matching).toEqual([1]);
    expect(store.fullTextStats(['"zebra"'], { allProjects: true }).matching).toEqual([2]);

    // Deleting the entry takes its private row with it (the new trigger).
    expect(store.delete('project:legacy', 'k1')).toBe(true);
    expect(priv.all(`zebra`)).toEqual([]);
    db.close();
  });
});
