/**
 * The full-text ranking (fts-rank.ts) against FTS5's own bm25(): for a caller, the
 * scores must be exactly those FTS5 would give over an index of nothing but the entries
 * that caller may read — shared ones plus its own session's — however many private
 * entries other sessions hold. And a database written before the private index existed
 * is migrated into it.
 */
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Corpus } from '../../src/bench/corpus.js';
import { buildFtsQuery } from '../../src/services/memory/fts-query.js';
import { rankFullText } from '../../src/services/memory/fts-rank.js';
import { openDatabase } from '../../src/store/database.js';
import { indexText } from '../../src/store/memory/fts-text.js';
import { MemoryStore, type WriteInput } from '../../src/store/memory/memory-store.js';
import type { Scope } from '../../src/store/memory/memory-scope.js';
import { MIGRATIONS } from '../../src/store/schema.js';

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

function openStore(migrations = MIGRATIONS) {
  const dir = mkdtempSync(join(tmpdir(), 'aistack-rank-'));
  dirs.push(dir);
  const path = join(dir, 'test.db');
  const db = openDatabase({ path, synchronous: 'normal', busyTimeoutMs: 1000, migrations });
  return { db, path };
}

const INTL = [
  'Une crème brûlée à Paris, très brûlée',
  "don't panic: snake_case and e-mail and 3.14 and don't again",
  '東京タワーに行きました。東京はとても高かったです。',
  'Straße in İstanbul; ΣΊΣΥΦΟΣ and σίσυφος',
  'zebra zebras zebrafish zeal zebra',
];

function entry(namespace: string, key: string, content: string, tags: string[] = []): WriteInput {
  return { namespace, key, content, tags, metadata: {}, agentId: null, sessionId: null };
}

/**
 * bm25() scores (higher is better) from a scratch FTS5 index of exactly `rows`, keyed
 * `namespace/key`, best first (ties in the order written).
 */
function nativeIndex(rows: WriteInput[]): (match: string) => [string, number][] {
  const db = new Database(':memory:');
  db.exec(`CREATE VIRTUAL TABLE t USING fts5 (key, content, tags, content = '',
    tokenize = 'unicode61 remove_diacritics 2')`);
  const insert = db.prepare('INSERT INTO t (rowid, key, content, tags) VALUES (?, ?, ?, ?)');
  rows.forEach((r, i) =>
    insert.run(i + 1, indexText(r.key), indexText(r.content), r.tags.join(' ')),
  );
  const search = db.prepare('SELECT rowid, rank FROM t WHERE t MATCH ? ORDER BY rank, rowid');
  return (match) =>
    (search.all(match) as { rowid: number; rank: number }[]).map(({ rowid, rank }) => [
      `${rows[rowid - 1]!.namespace}/${rows[rowid - 1]!.key}`,
      -rank,
    ]);
}

const QUERIES: [string, 'all' | 'any'][] = [
  ['zebra', 'all'],
  ['zeb', 'all'],
  ['zebra zeal', 'all'],
  ['zebra zeal', 'any'],
  ['brulee paris', 'any'],
  ['CRÈME', 'all'],
  ["don't", 'all'],
  ['snake_case 3.14', 'any'],
  ['東京', 'all'],
  ['σίσυφος', 'all'],
  ['strasse straße', 'any'],
];

describe('full-text ranking statistics', () => {
  it('scores exactly as FTS5 bm25 over the entries the caller may read, and nothing else', () => {
    const store = new MemoryStore(openStore().db);
    const corpus = new Corpus(3, 400);
    const shared: WriteInput[] = [];
    const mine: WriteInput[] = [];
    const theirs: WriteInput[] = [];
    for (let i = 0; i < 300; i++) {
      const extra = i % 7 === 0 ? ` ${INTL[i % INTL.length]}` : i % 5 === 0 ? ' zebra zeb' : '';
      shared.push(entry(`ns${i % 3}`, `k${i}`, corpus.text() + extra, i % 4 ? [] : ['zebra']));
      if (i % 10 === 0) mine.push(entry('session:me', `m${i}`, corpus.text() + extra));
      // Another session's entries pile on the same words: they must count for nothing.
      theirs.push(entry('session:them', `t${i}`, `zebra zeal zebrafish ${INTL[i % 5]} ${i}`));
    }
    const all = [...shared, ...mine, ...theirs];
    for (let i = 0; i < all.length; i += 50) {
      store.transaction(() => all.slice(i, i + 50).forEach((e) => store.putInTransaction(e)));
    }
    const callers: [Scope, WriteInput[]][] = [
      [{}, shared],
      [{ ownNamespace: 'session:me' }, [...shared, ...mine]],
      [{ namespace: 'ns1', ownNamespace: 'session:me' }, [...shared, ...mine]],
      [{ namespace: 'session:me', ownNamespace: 'session:me' }, [...shared, ...mine]],
    ];
    let compared = 0;
    for (const [scope, readable] of callers) {
      const native = nativeIndex(readable);
      for (const [text, mode] of QUERIES) {
        const q = buildFtsQuery(text, mode);
        const ranked = rankFullText(store, q, scope, {}, 100);
        const inScope = (ns: string) => scope.namespace === undefined || ns === scope.namespace;
        const expected = native(q.match!).filter(([k]) => inScope(k.split('/')[0]!));
        const want = new Map(expected);
        for (const r of ranked) {
          const score = want.get(`${r.entry.namespace}/${r.entry.key}`);
          expect(score, r.entry.key).toBeDefined();
          expect(Math.abs(r.score - score!)).toBeLessThanOrEqual(1e-12 * Math.abs(score!));
          compared++;
        }
        // The same entries in the same order as FTS5's top 100 (ties in written order).
        expect(
          ranked.map((r) => `${r.entry.namespace}/${r.entry.key}`),
          `${text} ${JSON.stringify(scope)}`,
        ).toEqual(expected.slice(0, 100).map(([k]) => k));
      }
    }
    expect(compared).toBeGreaterThan(500);
  });

  it('moves session entries into the private index and counts tokens when migrating', () => {
    const { db, path } = openStore(MIGRATIONS.filter((m) => m.version < 9));
    // Written by the previous schema's store: everything in memory_fts.
    const insert = db.prepare(`INSERT INTO memory_entries
      (id, namespace, key, content, metadata, tags, agent_id, session_id, created_at, updated_at, version)
      VALUES (?, ?, ?, ?, '{}', ?, NULL, NULL, 0, 0, 1)`);
    const fts = db.prepare(
      'INSERT INTO memory_fts (rowid, key, content, tags) VALUES (?, ?, ?, ?)',
    );
    const rows = [
      entry('team', 'a', 'zebra notes for everyone', ['x']),
      entry('session:s1', 'b', 'private zebra plans'),
      entry('session:s1', 'c', 'more private crème brûlée'),
      entry('team', 'd', 'shared crème notes'),
    ];
    rows.forEach((r, i) => {
      const info = insert.run(`id${i}`, r.namespace, r.key, r.content, JSON.stringify(r.tags));
      fts.run(info.lastInsertRowid, indexText(r.key), indexText(r.content), r.tags.join(' '));
    });
    db.close();
    const migrated = openDatabase({
      path,
      synchronous: 'normal',
      busyTimeoutMs: 1000,
      migrations: MIGRATIONS,
    });
    const count = (table: string, match: string) =>
      migrated.prepare(`SELECT count(*) FROM ${table} WHERE ${table} MATCH ?`).pluck().get(match);
    expect(count('memory_fts', 'zebra')).toBe(1);
    expect(count('memory_fts', 'private')).toBe(0);
    expect(count('memory_fts_private', 'private')).toBe(2);
    expect(count('memory_fts_private', 'creme')).toBe(1);
    const tokens = migrated
      .prepare('SELECT namespace, entries, tokens FROM memory_namespace_counts ORDER BY namespace')
      .all();
    // key + content + tags, as unicode61 counts them.
    expect(tokens).toEqual([
      { namespace: 'session:s1', entries: 2, tokens: 1 + 3 + 1 + 4 },
      { namespace: 'team', entries: 2, tokens: 1 + 4 + 1 + 1 + 3 },
    ]);
    // The triggers keep the sums from here on.
    const after = new MemoryStore(migrated);
    after.put(entry('team', 'a', 'zebra', ['x', 'y']));
    after.delete('session:s1', 'b');
    expect(
      migrated
        .prepare(
          'SELECT namespace, entries, tokens FROM memory_namespace_counts ORDER BY namespace',
        )
        .all(),
    ).toEqual([
      { namespace: 'session:s1', entries: 1, tokens: 1 + 4 },
      { namespace: 'team', entries: 2, tokens: 1 + 1 + 2 + 1 + 3 },
    ]);
    expect(count('memory_fts_private', 'private')).toBe(1);
    migrated.close();
  });
});
