/**
 * Group commit (write-batcher.ts): writes queued in one turn commit in one transaction
 * and one FTS5 segment, and a write that throws takes nothing else with it — neither
 * the other writes of its batch nor its own half-done statements.
 */
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WriteBatcher } from '../../src/store/memory/write-batcher.js';

let db: Database.Database;

beforeEach(() => {
  db = new Database(':memory:');
  db.exec(`CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL);
    CREATE TABLE marks (id INTEGER PRIMARY KEY);
    CREATE VIRTUAL TABLE notes_fts USING fts5 (body, content = '', contentless_delete = 1);`);
});
afterEach(() => db.close());

/** A write: a row, its full-text entry and a mark whose id may collide (to fail on purpose). */
function note(id: number, markId = id) {
  return () => {
    db.prepare('INSERT INTO notes (id, body) VALUES (?, ?)').run(id, `note number ${id}`);
    db.prepare('INSERT INTO notes_fts (rowid, body) VALUES (?, ?)').run(id, `note number ${id}`);
    db.prepare('INSERT INTO marks (id) VALUES (?)').run(markId);
    return id;
  };
}

const ids = (table: string) =>
  db.prepare(`SELECT id FROM ${table} ORDER BY id`).pluck().all() as number[];
/** FTS5 segments: one %_idx row each while a segment has a single leaf page. */
const segments = () => db.prepare('SELECT count(*) FROM notes_fts_idx').pluck().get() as number;

describe('the write batcher', () => {
  it('commits writes queued together in one transaction and one full-text segment', async () => {
    const batcher = new WriteBatcher(db);
    const values = await Promise.all([1, 2, 3, 4, 5, 6, 7, 8].map((i) => batcher.run(note(i))));
    expect(values).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(ids('notes')).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    // A savepoint per write would have flushed eight segments.
    expect(segments()).toBe(1);
    expect(
      db.prepare("SELECT count(*) FROM notes_fts WHERE notes_fts MATCH 'note'").pluck().get(),
    ).toBe(8);
  });

  it('keeps the other writes of a batch when one throws, and none of the failing one', async () => {
    db.prepare('INSERT INTO marks (id) VALUES (103)').run();
    const batcher = new WriteBatcher(db);
    // The third write inserts its note and full-text row, then fails on its mark.
    const outcomes = await Promise.allSettled(
      [1, 2, 3, 4, 5].map((i) => batcher.run(note(i, i === 3 ? 103 : i))),
    );
    expect(outcomes.map((o) => o.status)).toEqual([
      'fulfilled',
      'fulfilled',
      'rejected',
      'fulfilled',
      'fulfilled',
    ]);
    expect((outcomes[2] as PromiseRejectedResult).reason).toMatchObject({
      code: 'SQLITE_CONSTRAINT_PRIMARYKEY',
    });
    expect(ids('notes')).toEqual([1, 2, 4, 5]);
    expect(ids('marks')).toEqual([1, 2, 4, 5, 103]);
    expect(
      db
        .prepare("SELECT rowid FROM notes_fts WHERE notes_fts MATCH 'note' ORDER BY rowid")
        .pluck()
        .all(),
    ).toEqual([1, 2, 4, 5]);
  });

  it('rejects a lone failing write and leaves nothing of it', async () => {
    db.prepare('INSERT INTO marks (id) VALUES (9)').run();
    const batcher = new WriteBatcher(db);
    await expect(batcher.run(note(9))).rejects.toMatchObject({
      code: 'SQLITE_CONSTRAINT_PRIMARYKEY',
    });
    expect(ids('notes')).toEqual([]);
    expect(db.inTransaction).toBe(false);
    // The batcher goes on serving.
    await expect(batcher.run(note(10))).resolves.toBe(10);
    expect(ids('notes')).toEqual([10]);
  });

  it('commits at once when the queue reaches its maximum', () => {
    const batcher = new WriteBatcher(db, { maxBatch: 4 });
    for (let i = 1; i <= 4; i++) void batcher.run(note(i));
    // No turn has passed: the fourth write flushed the batch synchronously.
    expect(ids('notes')).toEqual([1, 2, 3, 4]);
  });

  it('waits for the writers of the last batch, and commits as soon as they are all in', async () => {
    const batcher = new WriteBatcher(db, { lingerMs: 60_000 });
    await Promise.all([1, 2, 3].map((i) => batcher.run(note(i))));
    const turn = () => new Promise((resolve) => setImmediate(resolve));
    const fourth = batcher.run(note(4));
    const fifth = batcher.run(note(5));
    await turn();
    await turn();
    // Three wrote last time; two are in: the batch waits for the third.
    expect(ids('notes')).toEqual([1, 2, 3]);
    const sixth = batcher.run(note(6));
    await Promise.all([fourth, fifth, sixth]);
    expect(ids('notes')).toEqual([1, 2, 3, 4, 5, 6]);
    expect(segments()).toBe(2);
  });

  it('stops waiting after lingerMs and then expects fewer writers', async () => {
    const batcher = new WriteBatcher(db, { lingerMs: 20 });
    await Promise.all([1, 2, 3].map((i) => batcher.run(note(i))));
    const started = performance.now();
    await batcher.run(note(4));
    expect(performance.now() - started).toBeGreaterThanOrEqual(15);
    // The last batch had one writer: the next lone write does not wait.
    const next = batcher.run(note(5));
    await new Promise((resolve) => setImmediate(resolve));
    expect(ids('notes')).toEqual([1, 2, 3, 4, 5]);
    await next;
  });
});
