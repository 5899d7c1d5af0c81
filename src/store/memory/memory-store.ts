/**
 * SQL for memory entries: one prepared statement per query shape, every value bound as
 * a parameter. The row, its tags and its full-text row change in one transaction (and a
 * changed text drops its embedding in the same one). The store knows nothing about
 * sessions: callers pass a `Scope` that says which namespaces a query may see, and
 * every read applies it in SQL. Private (session) namespaces are indexed apart from
 * shared ones (private-fts-schema.ts), so that full-text statistics can be taken over
 * exactly what a caller may read. Listeners (`onChange`) hear of every write and delete
 * inside its transaction; they must not throw.
 */
import { randomUUID } from 'node:crypto';
import type Database from 'better-sqlite3';
import { indexText } from './fts-text.js';
import {
  hasFilters,
  isPrivateNamespace,
  readableScope,
  whereClause,
  type Filters,
  type Scope,
} from './memory-scope.js';
import { entryTokenCount, ownerToken } from './private-fts-schema.js';
import { WriteBatcher } from './write-batcher.js';

export type { Filters, Scope } from './memory-scope.js';

export interface EntryRow {
  rowid: number;
  id: string;
  namespace: string;
  key: string;
  content: string;
  metadata: string;
  tags: string;
  agent_id: string | null;
  session_id: string | null;
  created_at: number;
  updated_at: number;
  version: number;
}

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

export interface Entry {
  id: string;
  key: string;
  namespace: string;
  content: string;
  metadata: Record<string, unknown>;
  tags: string[];
  agentId: string | null;
  sessionId: string | null;
  createdAt: string;
  updatedAt: string;
  version: number;
}

export interface WriteInput {
  namespace: string;
  key: string;
  content: string;
  metadata: Record<string, unknown>;
  tags: string[];
  agentId: string | null;
  sessionId: string | null;
}

export function toEntry(row: EntryRow): Entry {
  return {
    id: row.id,
    key: row.key,
    namespace: row.namespace,
    content: row.content,
    metadata: JSON.parse(row.metadata) as Record<string, unknown>,
    tags: JSON.parse(row.tags) as string[],
    agentId: row.agent_id,
    sessionId: row.session_id,
    createdAt: new Date(row.created_at).toISOString(),
    updatedAt: new Date(row.updated_at).toISOString(),
    version: row.version,
  };
}

/**
 * What changed, told to listeners inside the write's transaction (the embeddings keep
 * their in-memory index and their queue in step with the table through this).
 */
export type EntryChange =
  | { kind: 'written'; rowid: number; namespace: string; contentChanged: boolean }
  | { kind: 'deleted'; rowid: number }
  | { kind: 'namespace-deleted'; namespace: string };

export type EntryListener = (change: EntryChange) => void;

const COLUMNS =
  'e.rowid, e.id, e.namespace, e.key, e.content, e.metadata, e.tags, e.agent_id, e.session_id, e.created_at, e.updated_at, e.version';

/**
 * The entries whose rowids are in a JSON array (the first parameter), each looked up by
 * rowid: CROSS JOIN keeps SQLite from scanning a whole namespace's index instead when
 * the scope names one.
 */
const BY_ROWID = 'json_each(?) j CROSS JOIN memory_entries e ON e.rowid = j.value';

export class MemoryStore {
  private readonly stmts;
  private readonly cache = new Map<string, Database.Statement>();
  private readonly batcher: WriteBatcher;
  private readonly inTransaction: <T>(fn: () => T) => T;
  private readonly listeners: EntryListener[] = [];

  constructor(
    private readonly db: Database.Database,
    private readonly now: () => number = Date.now,
  ) {
    this.batcher = new WriteBatcher(db);
    const tx = db.transaction((fn: () => unknown) => fn());
    this.inTransaction = <T>(fn: () => T) => tx(fn) as T;
    this.stmts = {
      get: db.prepare(
        `SELECT ${COLUMNS} FROM memory_entries e WHERE e.namespace = ? AND e.key = ?`,
      ),
      insert: db.prepare(`INSERT INTO memory_entries
        (id, namespace, key, content, metadata, tags, agent_id, session_id, created_at, updated_at, version, fts_tokens)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?)`),
      update: db.prepare(`UPDATE memory_entries
        SET content = ?, metadata = ?, tags = ?, agent_id = ?, session_id = ?, updated_at = ?, version = version + 1, fts_tokens = ?
        WHERE rowid = ?`),
      deleteTags: db.prepare('DELETE FROM memory_tags WHERE entry_rowid = ?'),
      insertTag: db.prepare('INSERT OR IGNORE INTO memory_tags (tag, entry_rowid) VALUES (?, ?)'),
      ftsDelete: db.prepare('DELETE FROM memory_fts WHERE rowid = ?'),
      ftsInsert: db.prepare(
        'INSERT INTO memory_fts (rowid, key, content, tags) VALUES (?, ?, ?, ?)',
      ),
      privateFtsDelete: db.prepare('DELETE FROM memory_fts_private WHERE rowid = ?'),
      privateFtsInsert: db.prepare(
        'INSERT INTO memory_fts_private (rowid, key, content, tags, owner) VALUES (?, ?, ?, ?, ?)',
      ),
      countShared: db.prepare('SELECT count(*) FROM memory_fts WHERE memory_fts MATCH ?').pluck(),
      sharedCandidates: db
        .prepare('SELECT rowid FROM memory_fts WHERE memory_fts MATCH ? ORDER BY rank LIMIT ?')
        .pluck(),
      countPrivate: db
        .prepare('SELECT count(*) FROM memory_fts_private WHERE memory_fts_private MATCH ?')
        .pluck(),
      deleteEntry: db.prepare(
        'DELETE FROM memory_entries WHERE namespace = ? AND key = ? RETURNING rowid',
      ),
      // The vector of the old text is wrong for the new one; it is embedded again.
      deleteEmbedding: db.prepare('DELETE FROM memory_embeddings WHERE entry_rowid = ?'),
      deleteNamespace: db.prepare('DELETE FROM memory_entries WHERE namespace = ?'),
      insertExact: db.prepare(`INSERT INTO memory_entries
        (id, namespace, key, content, metadata, tags, agent_id, session_id, created_at, updated_at, version, fts_tokens)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
      idExists: db.prepare('SELECT 1 FROM memory_entries WHERE id = ?'),
      countNamespace: db
        .prepare(
          'SELECT coalesce(max(entries), 0) FROM memory_namespace_counts WHERE namespace = ?',
        )
        .pluck(),
    };
  }

  /** Tells `listener` about every write and delete, inside its transaction. */
  onChange(listener: EntryListener): void {
    this.listeners.push(listener);
  }

  private emit(change: EntryChange): void {
    for (const listener of this.listeners) listener(change);
  }

  private prepared(sql: string): Database.Statement {
    let stmt = this.cache.get(sql);
    if (!stmt) {
      stmt = this.db.prepare(sql);
      this.cache.set(sql, stmt);
    }
    return stmt;
  }

  get(namespace: string, key: string): Entry | undefined {
    const row = this.stmts.get.get(namespace, key) as EntryRow | undefined;
    return row ? toEntry(row) : undefined;
  }

  /** Inserts or updates (namespace, key) in its own transaction; returns the entry and whether it was new. */
  put(input: WriteInput): { entry: Entry; created: boolean } {
    return this.inTransaction(() => this.putInTransaction(input));
  }

  /** Like put, committed together with other writes that arrive at the same time (group commit). */
  putBatched(input: WriteInput): Promise<{ entry: Entry; created: boolean }> {
    return this.batcher.run(() => this.putInTransaction(input));
  }

  /** Commits any queued group writes now. */
  flushWrites(): void {
    this.batcher.flush();
  }

  /** Same as put, for callers that batch several writes in one transaction. */
  putInTransaction(input: WriteInput): { entry: Entry; created: boolean } {
    const s = this.stmts;
    const at = this.now();
    const metadata = JSON.stringify(input.metadata);
    const tags = JSON.stringify(input.tags);
    const existing = s.get.get(input.namespace, input.key) as EntryRow | undefined;
    let rowid: number;
    const id = existing ? existing.id : randomUUID();
    const contentChanged = existing?.content !== input.content;
    const tokens = entryTokenCount(input.key, input.content, input.tags);
    if (existing) {
      rowid = existing.rowid;
      s.update.run(
        input.content,
        metadata,
        tags,
        input.agentId,
        input.sessionId,
        at,
        tokens,
        rowid,
      );
      s.deleteTags.run(rowid);
      this.unindex(rowid, input.namespace);
      if (contentChanged) s.deleteEmbedding.run(rowid);
    } else {
      const info = s.insert.run(
        id,
        input.namespace,
        input.key,
        input.content,
        metadata,
        tags,
        input.agentId,
        input.sessionId,
        at,
        at,
        tokens,
      );
      rowid = Number(info.lastInsertRowid);
    }
    for (const tag of new Set(input.tags)) s.insertTag.run(tag, rowid);
    this.index(rowid, input.namespace, input.key, input.content, input.tags);
    this.emit({ kind: 'written', rowid, namespace: input.namespace, contentChanged });
    const entry: Entry = {
      id: existing?.id ?? id,
      key: input.key,
      namespace: input.namespace,
      content: input.content,
      metadata: input.metadata,
      tags: input.tags,
      agentId: input.agentId,
      sessionId: input.sessionId,
      createdAt: new Date(existing?.created_at ?? at).toISOString(),
      updatedAt: new Date(at).toISOString(),
      version: existing ? existing.version + 1 : 1,
    };
    return { entry, created: !existing };
  }

  transaction<T>(fn: () => T): T {
    return this.inTransaction(fn);
  }

  /** Adds an entry's full-text row: to the shared index, or the private one with its owner. */
  private index(rowid: number, namespace: string, key: string, content: string, tags: string[]) {
    const k = indexText(key);
    const c = indexText(content);
    const t = tags.join(' ');
    if (isPrivateNamespace(namespace)) {
      this.stmts.privateFtsInsert.run(rowid, k, c, t, ownerToken(namespace));
    } else {
      this.stmts.ftsInsert.run(rowid, k, c, t);
    }
  }

  private unindex(rowid: number, namespace: string) {
    if (isPrivateNamespace(namespace)) this.stmts.privateFtsDelete.run(rowid);
    else this.stmts.ftsDelete.run(rowid);
  }

  delete(namespace: string, key: string): boolean {
    const rows = this.stmts.deleteEntry.all(namespace, key) as { rowid: number }[];
    for (const { rowid } of rows) this.emit({ kind: 'deleted', rowid });
    return rows.length > 0;
  }

  /** Deletes every entry of a namespace (rows, tags, FTS rows, embeddings); returns the count. */
  deleteNamespace(namespace: string): number {
    const deleted = this.stmts.deleteNamespace.run(namespace).changes;
    if (deleted > 0) this.emit({ kind: 'namespace-deleted', namespace });
    return deleted;
  }

  countNamespace(namespace: string): number {
    return this.stmts.countNamespace.get(namespace) as number;
  }

  list(
    scope: Scope,
    filters: Filters,
    limit: number,
    offset: number,
  ): { entries: Entry[]; total: number } {
    const where = whereClause(scope, filters);
    const rows = this.prepared(
      `SELECT ${COLUMNS} FROM memory_entries e WHERE ${where.sql} ORDER BY e.updated_at DESC, e.rowid DESC LIMIT ? OFFSET ?`,
    ).all(...where.params, limit, offset) as EntryRow[];
    return { entries: rows.map(toEntry), total: this.count(scope, filters, where) };
  }

  /** How many entries match: from the per-namespace counts when only the scope filters. */
  private count(scope: Scope, filters: Filters, where: { sql: string; params: unknown[] }): number {
    if (filters.agentId === undefined && !filters.tags?.length) {
      const counts = whereClause(scope, {});
      return this.prepared(
        `SELECT coalesce(sum(e.entries), 0) FROM memory_namespace_counts e WHERE ${counts.sql}`,
      )
        .pluck()
        .get(...counts.params) as number;
    }
    return this.prepared(`SELECT count(*) FROM memory_entries e WHERE ${where.sql}`)
      .pluck()
      .get(...where.params) as number;
  }

  /**
   * The entries matching `match` (an FTS5 expression over key, content and tags) that the
   * scope and filters allow, for ranking: from shared namespaces the best `shared` by
   * FTS5's BM25 over the shared index (whose statistics are shared rows' alone; ties in
   * the index's order), from a private namespace the newest `own` (its owner's rows
   * only). Either part is skipped when the scope does not read it. Rows come unordered.
   */
  fullTextCandidates(
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
      const shared = this.prepared(
        `SELECT f.rowid FROM memory_fts f JOIN memory_entries e ON e.rowid = f.rowid
         WHERE memory_fts MATCH ? AND ${where.sql} ORDER BY f.rank LIMIT ?`,
      )
        .pluck()
        .all(match, ...where.params, limits.shared) as number[];
      rowids.push(...shared);
    }
    const own = this.readsPrivate(scope);
    if (own !== undefined) {
      const mine = this.prepared(
        `SELECT f.rowid FROM memory_fts_private f JOIN memory_entries e ON e.rowid = f.rowid
         WHERE memory_fts_private MATCH ? AND ${where.sql} ORDER BY f.rowid DESC LIMIT ?`,
      )
        .pluck()
        .all(privateMatch(match, own), ...where.params, limits.own) as number[];
      rowids.push(...mine);
    }
    if (rowids.length === 0) return [];
    return this.prepared(
      `SELECT e.rowid, e.key, e.content, e.tags, e.fts_tokens FROM ${BY_ROWID} WHERE ${where.sql}`,
    ).all(JSON.stringify(rowids), ...where.params) as RankRow[];
  }

  /**
   * Ranking statistics over everything the caller of `scope` may read (every shared
   * namespace and its own, whatever `scope.namespace` narrows to; see readableScope):
   * entries, their tokens, and how many match each of `phrases` (FTS5 expressions).
   * Nothing in another session's namespace counts.
   */
  fullTextStats(phrases: string[], scope: Scope): FullTextStats {
    const readable = readableScope(scope);
    const counts = whereClause(readable, {});
    const [rows, tokens] = this.prepared(
      `SELECT coalesce(sum(e.entries), 0), coalesce(sum(e.tokens), 0) FROM memory_namespace_counts e WHERE ${counts.sql}`,
    )
      .raw()
      .get(...counts.params) as [number, number];
    const own = this.readsPrivate(readable);
    const matching = phrases.map(
      (phrase) =>
        (this.stmts.countShared.get(phrase) as number) +
        (own !== undefined
          ? (this.stmts.countPrivate.get(privateMatch(phrase, own)) as number)
          : 0),
    );
    return { rows, tokens, matching };
  }

  /** The private namespace a read with `scope` covers, if any and not empty. */
  private readsPrivate(scope: Scope): string | undefined {
    const ns = scope.namespace ?? scope.ownNamespace;
    // An empty namespace (a new session's) needs no look at the private index.
    return ns !== undefined && isPrivateNamespace(ns) && this.countNamespace(ns) > 0
      ? ns
      : undefined;
  }

  /** The entries among `rowids` that the scope and filters allow, by rowid (for vector hits). */
  entriesByRowid(rowids: readonly number[], scope: Scope, filters: Filters): Map<number, Entry> {
    const out = new Map<number, Entry>();
    if (rowids.length === 0) return out;
    const where = whereClause(scope, filters);
    const rows = this.prepared(`SELECT ${COLUMNS} FROM ${BY_ROWID} WHERE ${where.sql}`).all(
      JSON.stringify(rowids),
      ...where.params,
    ) as EntryRow[];
    for (const row of rows) out.set(row.rowid, toEntry(row));
    return out;
  }

  namespaces(scope: Scope): { namespace: string; count: number }[] {
    const where = whereClause(scope, {});
    return this.prepared(
      `SELECT e.namespace AS namespace, e.entries AS count FROM memory_namespace_counts e WHERE ${where.sql} ORDER BY e.namespace`,
    ).all(...where.params) as { namespace: string; count: number }[];
  }

  /** A page of entries in insertion order after `afterRowid`, for export. */
  exportPage(
    scope: Scope,
    afterRowid: number,
    limit: number,
  ): { entries: Entry[]; cursor: number | null } {
    const where = whereClause(scope, {});
    const rows = this.prepared(
      `SELECT ${COLUMNS} FROM memory_entries e WHERE e.rowid > ? AND ${where.sql} ORDER BY e.rowid LIMIT ?`,
    ).all(afterRowid, ...where.params, limit) as EntryRow[];
    const last = rows.at(-1);
    return {
      entries: rows.map(toEntry),
      cursor: rows.length === limit && last ? last.rowid : null,
    };
  }

  /**
   * Writes an exported entry back. A new (namespace, key) keeps its id, timestamps and
   * version exactly; an existing one is updated like a store (version bumped).
   */
  importInTransaction(entry: Entry): 'inserted' | 'updated' {
    const existing = this.stmts.get.get(entry.namespace, entry.key) as EntryRow | undefined;
    if (existing) {
      this.putInTransaction({ ...entry, agentId: entry.agentId, sessionId: entry.sessionId });
      return 'updated';
    }
    const s = this.stmts;
    const info = s.insertExact.run(
      entry.id,
      entry.namespace,
      entry.key,
      entry.content,
      JSON.stringify(entry.metadata),
      JSON.stringify(entry.tags),
      entry.agentId,
      entry.sessionId,
      Date.parse(entry.createdAt),
      Date.parse(entry.updatedAt),
      entry.version,
      entryTokenCount(entry.key, entry.content, entry.tags),
    );
    const rowid = Number(info.lastInsertRowid);
    for (const tag of new Set(entry.tags)) s.insertTag.run(tag, rowid);
    this.index(rowid, entry.namespace, entry.key, entry.content, entry.tags);
    this.emit({ kind: 'written', rowid, namespace: entry.namespace, contentChanged: true });
    return 'inserted';
  }

  idTaken(id: string): boolean {
    return this.stmts.idExists.get(id) !== undefined;
  }
}

/** `match` restricted to the entries of one private namespace in memory_fts_private. */
function privateMatch(match: string, namespace: string): string {
  return `{key content tags} : (${match}) AND owner : "${ownerToken(namespace)}"`;
}
