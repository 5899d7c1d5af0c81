/**
 * Full-text indexing written behind (src/store/memory/fts-pending.ts), over a real database
 * file, watched from a second, read-only connection the way a read pool worker sees it:
 * a store's FTS5 row arrives at the flush (which every full-text read on the writer does
 * first), on its own soon after, or after a crash when the store opens again; an update or
 * delete before the flush leaves no trace of the old text; past the backlog bound writes
 * index at once; and every entry has exactly one FTS5 row throughout.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Database from 'better-sqlite3';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { openDatabase, openReadOnlyDatabase } from '../../src/store/database.js';
import { BATCH, MAX_BACKLOG } from '../../src/store/memory/fts-pending.js';
import { MemoryStore } from '../../src/store/memory/memory-store.js';
import { MIGRATIONS } from '../../src/store/schema.js';

const cleanups: (() => unknown)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0).reverse()) c();
});

function files() {
  const dir = mkdtempSync(join(tmpdir(), 'aistack-fts-pending-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return join(dir, 'test.db');
}

function open(path: string) {
  const db = openDatabase({
    path,
    synchronous: 'normal',
    busyTimeoutMs: 1000,
    migrations: MIGRATIONS,
  });
  cleanups.push(() => db.open && db.close());
  const store = new MemoryStore(db);
  const put = (key: string, content: string, namespace = 'notes') =>
    store.put({ namespace, key, content, metadata: {}, tags: [], agentId: null, sessionId: null });
  return { db, store, put };
}

/** What a reader on its own connection (a read pool worker) finds in either index. */
function reader(path: string) {
  const db = openReadOnlyDatabase({ path, busyTimeoutMs: 1000 });
  cleanups.push(() => db.close());
  const shared = db.prepare('SELECT rowid FROM memory_fts WHERE memory_fts MATCH ? ORDER BY rowid');
  const own = db.prepare(
    'SELECT rowid FROM memory_fts_private WHERE memory_fts_private MATCH ? ORDER BY rowid',
  );
  return {
    shared: (q: string) => shared.pluck().all(q) as number[],
    private: (q: string) => own.pluck().all(q) as number[],
  };
}

const pending = (db: Database.Database) =>
  db.prepare('SELECT count(*) FROM memory_fts_pending').pluck().get() as number;

describe('full-text indexing written behind', () => {
  it('a store is indexed at the flush, and the writer flushes before any full-text read of its own', () => {
    const path = files();
    const { db, store, put } = open(path);
    const r = reader(path);
    const { entry } = put('a', 'an aardvark ambles');
    expect(pending(db)).toBe(1);
    expect(r.shared('aardvark')).toEqual([]);
    const rows = store.fullTextCandidates('aardvark', {}, {}, { shared: 10, own: 10 });
    expect(rows.map((row) => row.key)).toEqual([entry.key]);
    expect(pending(db)).toBe(0);
    expect(r.shared('aardvark')).toHaveLength(1);
  });

  it('catches up on its own soon after a write, with nobody reading', async () => {
    const path = files();
    const { db, put } = open(path);
    const r = reader(path);
    put('b', 'a badger burrows');
    await vi.waitFor(() => expect(r.shared('badger')).toHaveLength(1), { timeout: 10_000 });
    expect(pending(db)).toBe(0);
  });

  it('catches up a large backlog BATCH entries per turn of the event loop, not all at once', async () => {
    const path = files();
    const { db, store, put } = open(path);
    const r = reader(path);
    const total = BATCH * 2 + 100;
    store.transaction(() => {
      for (let i = 0; i < total; i++) put(`h${i}`, `heron flock bird${i}`);
    });
    expect(pending(db)).toBe(total);
    await new Promise((resolve) => setImmediate(resolve));
    expect(pending(db)).toBe(total - BATCH);
    await vi.waitFor(() => expect(pending(db)).toBe(0), { timeout: 10_000 });
    expect(r.shared('heron')).toHaveLength(total);
  });

  it('an entry acknowledged before a crash is indexed when the store opens again', () => {
    const path = files();
    const first = open(path);
    for (let i = 0; i < 20; i++) first.put(`k${i}`, `crash survivor number${i}`);
    expect(pending(first.db)).toBe(20);
    first.db.close(); // no flush: what a kill -9 leaves
    const second = open(path);
    const r = reader(path);
    expect(r.shared('survivor')).toEqual([]);
    second.store.flushFullText();
    expect(r.shared('survivor')).toHaveLength(20);
    expect(r.shared('number7')).toHaveLength(1);
    // An update whose old row was still to be deleted when the process died.
    second.put('k7', 'crash rewritten');
    second.db.close();
    const third = open(path);
    third.store.flushFullText();
    expect(r.shared('number7')).toEqual([]);
    expect(r.shared('rewritten')).toHaveLength(1);
    expect(r.shared('survivor')).toHaveLength(19);
  });

  it('an update before the flush is indexed with its new text only; one after it replaces the old at the next', () => {
    const path = files();
    const { store, put } = open(path);
    const r = reader(path);
    put('c', 'a camel crosses');
    put('c', 'a cheetah chases');
    store.flushFullText();
    expect(r.shared('camel')).toEqual([]);
    expect(r.shared('cheetah')).toHaveLength(1);
    put('c', 'a chameleon changes');
    // The old row goes at the catch-up too (a delete costs as much as an insert), and
    // the writer's own full-text read catches up first.
    expect(r.shared('cheetah')).toHaveLength(1);
    expect(store.fullTextCandidates('cheetah', {}, {}, { shared: 5, own: 5 })).toEqual([]);
    expect(r.shared('cheetah')).toEqual([]);
    expect(r.shared('chameleon')).toHaveLength(1);
    expect(r.shared('cheetah OR camel OR chameleon')).toHaveLength(1);
  });

  it('a delete before the flush leaves nothing to index and no row behind', () => {
    const path = files();
    const { db, store, put } = open(path);
    const r = reader(path);
    put('d', 'a dingo digs');
    expect(store.delete('notes', 'd')).toBe(true);
    expect(pending(db)).toBe(0);
    store.flushFullText();
    expect(r.shared('dingo')).toEqual([]);
    // The rowid may be used again: the new entry is indexed once, with its own text.
    put('e', 'an eland eats');
    store.flushFullText();
    expect(r.shared('eland')).toHaveLength(1);
    expect(r.shared('dingo')).toEqual([]);
  });

  it('a session namespace goes to the private index, with its owner, at the flush', () => {
    const path = files();
    const { store, put } = open(path);
    const r = reader(path);
    put('f', 'a ferret fidgets', 'session:s1');
    store.flushFullText();
    expect(r.shared('ferret')).toEqual([]);
    expect(r.private('ferret')).toHaveLength(1);
  });

  it('past the backlog bound, writes index at once; every entry ends with exactly one row', () => {
    const path = files();
    const { db, store, put } = open(path);
    const r = reader(path);
    const total = MAX_BACKLOG + 50;
    put('s', 'original sable');
    store.flushFullText();
    put('s', 'second sable'); // waits, marked stale: the index holds "original"
    store.transaction(() => {
      for (let i = 0; i < total; i++) put(`g${i}`, `gazelle herd member${i}`);
    });
    expect(pending(db)).toBe(MAX_BACKLOG); // "s" and the first MAX_BACKLOG - 1 of these
    expect(r.shared(`member${total - 1}`)).toHaveLength(1); // indexed inline
    expect(r.shared('member0')).toEqual([]); // still waiting
    // Updating one that waits and one indexed inline: no duplicate either way.
    put('g0', 'gazelle herd member0 again');
    put(`g${total - 1}`, `gazelle herd member${total - 1} again`);
    put('s', 'third sable'); // inline, and its stale "original" row goes
    expect(r.shared('sable')).toHaveLength(1);
    expect(r.shared('third')).toHaveLength(1);
    store.flushFullText();
    expect(r.shared('original OR second')).toEqual([]);
    expect(pending(db)).toBe(0);
    expect(r.shared('gazelle')).toHaveLength(total);
    expect(r.shared('again')).toHaveLength(2);
  });
});
