/**
 * The two full-text indexes, as the store uses them: `memory_fts` for shared namespaces
 * and `memory_fts_private` for session and project namespaces, each private row tagged
 * with its owner (see private-fts-schema.ts). Writes put an entry's text in the right one;
 * reads take ranking candidates and statistics only from what a caller may read.
 * The restore's rebuild indexes through here too, so both agree where an entry goes.
 */
import type Database from 'better-sqlite3';
import { BY_ROWID, type EntryRow } from './entry-row.js';
import { indexText } from './fts-text.js';
import {
  hasFilters,
  isPrivateNamespace,
  privateNamespaces,
  PROJECT_PREFIX,
  readableScope,
  scopeClause,
  whereClause,
  type Filters,
  type Scope,
} from './memory-scope.js';
import { ownerToken } from './private-fts-schema.js';
import { StatementCache } from '../statement-cache.js';

/** A full-text candidate: what ranking reads of it (its indexed text and token count). */
export type RankRow = Pick<EntryRow, 'rowid' | 'key' | 'content' | 'tags'> & { fts_tokens: number };

/** Statistics for ranking, over everything a caller may read. */
export interface FullTextStats {
  /** Entries. */
  rows: number;
  /** Their tokens, all together. */
  tokens: number;
  /** For each phrase given, how many of the entries match it. */
  matching: number[];
}

export class FullTextIndex {
  private readonly stmts;
  private readonly statements: StatementCache;

  constructor(db: Database.Database) {
    this.statements = new StatementCache(db);
    this.stmts = {
      namespaceEntries: db
        .prepare(
          'SELECT coalesce(max(entries), 0) FROM memory_namespace_counts WHERE namespace = ?',
        )
        .pluck(),
      sharedDelete: db.prepare('DELETE FROM memory_fts WHERE rowid = ?'),
      sharedInsert: db.prepare(
        'INSERT INTO memory_fts (rowid, key, content, tags) VALUES (?, ?, ?, ?)',
      ),
      privateDelete: db.prepare('DELETE FROM memory_fts_private WHERE rowid = ?'),
      privateInsert: db.prepare(
        'INSERT INTO memory_fts_private (rowid, key, content, tags, owner) VALUES (?, ?, ?, ?, ?)',
      ),
      countShared: db.prepare('SELECT count(*) FROM memory_fts WHERE memory_fts MATCH ?').pluck(),
      sharedCandidates: db
        .prepare('SELECT rowid FROM memory_fts WHERE memory_fts MATCH ? ORDER BY rank LIMIT ?')
        .pluck(),
      countPrivate: db
        .prepare('SELECT count(*) FROM memory_fts_private WHERE memory_fts_private MATCH ?')
        .pluck(),
    };
  }

  /** Adds an entry's full-text row: to the shared index, or the private one with its owner. */
  index(rowid: number, namespace: string, key: string, content: string, tags: readonly string[]) {
    const k = indexText(key);
    const c = indexText(content);
    const t = tags.join(' ');
    if (isPrivateNamespace(namespace)) {
      this.stmts.privateInsert.run(rowid, k, c, t, ownerToken(namespace));
    } else {
      this.stmts.sharedInsert.run(rowid, k, c, t);
    }
  }

  unindex(rowid: number, namespace: string) {
    if (isPrivateNamespace(namespace)) this.stmts.privateDelete.run(rowid);
    else this.stmts.sharedDelete.run(rowid);
  }

  /**
   * The entries matching `match` (an FTS5 expression over key, content and tags) that the
   * scope and filters allow, for ranking: from shared namespaces the best `shared` by
   * FTS5's BM25 over the shared index (whose statistics are shared rows' alone; ties in
   * the index's order), from the private namespaces the scope reads (the caller's
   * session and project) the newest `own` (those owners' rows only). Either part is skipped when the scope does not read it. Rows come unordered.
   */
  candidates(
    match: string,
    scope: Scope,
    filters: Filters,
    limits: { shared: number; own: number },
  ): RankRow[] {
    const where = whereClause(scope, filters);
    const rowids: number[] = [];
    if (scope.namespace === undefined && !hasFilters(filters)) {
      // memory_fts holds shared rows only, all readable: no need to look at the rows
      // before the limit (the fetch below still applies the scope).
      const shared = this.stmts.sharedCandidates.all(match, limits.shared) as number[];
      rowids.push(...shared);
    } else if (scope.namespace === undefined || !isPrivateNamespace(scope.namespace)) {
      const shared = this.statements
        .get(
          `SELECT f.rowid FROM memory_fts f JOIN memory_entries e ON e.rowid = f.rowid
         WHERE memory_fts MATCH ? AND ${where.sql} ORDER BY f.rank LIMIT ?`,
        )
        .pluck()
        .all(match, ...where.params, limits.shared) as number[];
      rowids.push(...shared);
    }
    const own = this.readsPrivate(scope);
    if (own !== undefined) {
      const mine = this.statements
        .get(
          `SELECT f.rowid FROM memory_fts_private f JOIN memory_entries e ON e.rowid = f.rowid
         WHERE memory_fts_private MATCH ? AND ${where.sql} ORDER BY f.rowid DESC LIMIT ?`,
        )
        .pluck()
        .all(`{key content tags} : (${match}) AND ${own}`, ...where.params, limits.own) as number[];
      rowids.push(...mine);
    }
    if (rowids.length === 0) return [];
    return this.statements
      .get(
        `SELECT e.rowid, e.key, e.content, e.tags, e.fts_tokens FROM ${BY_ROWID} WHERE ${where.sql}`,
      )
      .all(JSON.stringify(rowids), ...where.params) as RankRow[];
  }

  /**
   * Ranking statistics over everything the caller of `scope` may read (every shared
   * namespace and its session's and project's, whatever `scope.namespace` narrows to;
   * see readableScope): entries, their tokens, and how many match each of `phrases`
   * (FTS5 expressions). Nothing in another session's or project's namespace counts.
   */
  stats(phrases: string[], scope: Scope): FullTextStats {
    const readable = readableScope(scope);
    const counts = scopeClause(readable);
    const [rows, tokens] = this.statements
      .get(
        `SELECT coalesce(sum(e.entries), 0), coalesce(sum(e.tokens), 0) FROM memory_namespace_counts e WHERE ${counts.sql}`,
      )
      .raw()
      .get(...counts.params) as [number, number];
    const own = this.readsPrivate(readable);
    const matching = phrases.map(
      (phrase) =>
        (this.stmts.countShared.get(phrase) as number) +
        (own !== undefined
          ? (this.stmts.countPrivate.get(`{key content tags} : (${phrase}) AND ${own}`) as number)
          : 0),
    );
    return { rows, tokens, matching };
  }

  /**
   * The private namespaces a read with `scope` covers, as an FTS5 filter on the `owner`
   * column; undefined when there are none, or none with entries.
   */
  private readsPrivate(scope: Scope): string | undefined {
    const { names, allProjects } = privateNamespaces(scope);
    // An empty namespace (a new session's) needs no look at the private index.
    const owners = names
      .filter((ns) => (this.stmts.namespaceEntries.get(ns) as number) > 0)
      .map((ns) => `owner : "${ownerToken(ns)}"`);
    // Every project's rows: their owner tokens all start with the prefix's.
    if (allProjects) owners.push(`owner : "${ownerToken(PROJECT_PREFIX)}" *`);
    return owners.length === 0 ? undefined : `(${owners.join(' OR ')})`;
  }
}
