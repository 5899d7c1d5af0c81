/**
 * SQL for memory entries: one prepared statement per query shape, every value bound as
 * a parameter. The row and its tags change in one transaction (and a changed text drops
 * its embedding in the same one); its full-text row follows in a larger one, before any
 * full-text read (fts-pending.ts). The store knows nothing about
 * sessions: callers pass a `Scope` that says which namespaces a query may see, and
 * every read applies it in SQL. Private (session) namespaces are indexed apart from
 * shared ones (private-fts-schema.ts), so that full-text statistics can be taken over
 * exactly what a caller may read. Listeners (`onChange`) hear of every write and delete
 * inside its transaction; they must not throw.
 */
import type Database from 'better-sqlite3';
import { toEntry, type Entry, type EntryRow } from './entry-row.js';
import { prepareEntryStatements, type EntryStatements } from './entry-statements.js';
import { FullTextIndex, type FullTextStats, type RankRow } from './full-text-index.js';
import { PendingFullText } from './fts-pending.js';
import { HistoryStore } from './history-store.js';
import { TombstoneStore, type DeleteReason } from './tombstone-store.js';
import {
  deleteExpired,
  deleteKey,
  deleteNamespace,
  deleteRow,
  type DeleteContext,
} from './entry-deletes.js';
import { LinkStore } from './link-store.js';
import type { Filters, Scope } from './memory-scope.js';
import {
  exportPage,
  listPage,
  type EntryPage,
  type ExportPage,
  type ListPageOptions,
  type PageBudget,
} from './entry-pages.js';
import { changePage, type ChangeArgs, type ChangePage } from './change-page.js';
import {
  countMatches,
  entriesByRowid,
  keysWithPrefix,
  namespaceCounts,
  type PrefixKeys,
  type SizedEntry,
} from './entry-queries.js';
import type { EntryChange, EntryListener, WriteInput } from './entry-write-types.js';
import { entryTokenCount } from './private-fts-schema.js';
import { WriteBatcher } from './write-batcher.js';
import { AppError } from '../../core/errors.js';
import { uuid7 } from '../../core/uuid7.js';
import { StatementCache } from '../statement-cache.js';

export type { Filters, Scope } from './memory-scope.js';
export { toEntry, type Entry, type EntryRow } from './entry-row.js';
export type {
  EntryPage,
  ExportPage,
  ListPageOptions,
  ListSort,
  PageBudget,
} from './entry-pages.js';
export type { ChangeArgs, ChangeItem, ChangePage } from './change-page.js';
export type { EntryView } from './entry-view.js';

export type { PrefixKeys, SizedEntry } from './entry-queries.js';
export type { FullTextStats, RankRow } from './full-text-index.js';

export type { EntryChange, EntryListener, WriteInput } from './entry-write-types.js';

export class MemoryStore {
  private readonly stmts: EntryStatements;
  private readonly statements: StatementCache;
  private readonly batcher: WriteBatcher;
  private readonly inTransaction: <T>(fn: () => T) => T;
  private readonly listeners: EntryListener[] = [];
  private readonly fullText: FullTextIndex;
  private readonly pendingText: PendingFullText;
  private readonly deletes: DeleteContext;
  /** Earlier versions: every update and delete keeps the row it replaces here. */
  readonly history: HistoryStore;
  /** Links between entries (they go with their entries, by the schema's cascade). */
  readonly links: LinkStore;
  /** The last delete of each key, for memory.changes. */
  readonly tombstones: TombstoneStore;

  constructor(
    private readonly db: Database.Database,
    readonly now: () => number = Date.now,
    /** `memory.history.keep`, read at each write. */
    historyKeep?: () => number,
  ) {
    this.statements = new StatementCache(db);
    this.batcher = new WriteBatcher(db);
    this.fullText = new FullTextIndex(db);
    this.pendingText = new PendingFullText(db, this.fullText);
    this.history = new HistoryStore(db, historyKeep);
    this.links = new LinkStore(db);
    this.tombstones = new TombstoneStore(db);
    const tx = db.transaction((fn: () => unknown) => fn());
    this.inTransaction = <T>(fn: () => T) => tx(fn) as T;
    this.stmts = prepareEntryStatements(db);
    this.deletes = {
      stmts: this.stmts,
      history: this.history,
      tombstones: this.tombstones,
      emit: (change) => this.emit(change),
    };
  }

  /** False while a transaction is open on the database (a change heard may still roll back). */
  settled(): boolean {
    return !this.db.inTransaction;
  }

  /** Tells `listener` about every write and delete, inside its transaction. */
  onChange(listener: EntryListener): void {
    this.listeners.push(listener);
  }

  private emit(change: EntryChange): void {
    for (const listener of this.listeners) listener(change);
  }

  /** The entry under (namespace, key), unless there is none or it has expired. */
  get(namespace: string, key: string): Entry | undefined {
    const row = this.stmts.getLive.get(namespace, key, this.now()) as EntryRow | undefined;
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

  /** Runs `fn` (synchronous writes) in the next group commit; resolves once committed. */
  writeBatched<T>(fn: () => T): Promise<T> {
    return this.batcher.run(fn);
  }

  /**
   * Indexes now the entries whose full-text rows are still to be written (fts-pending.ts):
   * every full-text read calls this first. A no-op on a read-only connection.
   */
  flushFullText(): void {
    this.pendingText.flush();
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
    let existing = s.get.get(input.namespace, input.key) as EntryRow | undefined;
    // An expired entry is gone to readers already: it goes now, and the key starts afresh.
    if (existing?.expires_at != null && existing.expires_at <= at) {
      this.deleteRow(existing, 'expired', at);
      existing = undefined;
    }
    const expiresAt =
      input.expiresAt === undefined ? (existing?.expires_at ?? null) : input.expiresAt;
    if (input.expectedVersion !== undefined && (existing?.version ?? 0) !== input.expectedVersion) {
      throw new AppError(
        'CONFLICT',
        existing
          ? `entry "${input.key}" in ${input.namespace} is at version ${existing.version} now, not ${input.expectedVersion}: it changed since you read it`
          : `entry "${input.key}" in ${input.namespace} does not exist (any more), not at version ${input.expectedVersion}`,
        { namespace: input.namespace, key: input.key, version: existing?.version ?? 0 },
      );
    }
    let rowid: number;
    const id = existing ? existing.id : uuid7(at);
    const contentChanged = existing?.content !== input.content;
    const tokens = entryTokenCount(input.key, input.content, input.tags);
    // A key created again after a delete goes on from its kept versions.
    const version = existing
      ? existing.version + 1
      : this.history.nextVersion(input.namespace, input.key);
    if (existing) {
      this.history.record(existing, 'updated', at);
      rowid = existing.rowid;
      s.update.run(
        input.content,
        metadata,
        tags,
        input.agentId,
        input.sessionId,
        at,
        tokens,
        expiresAt,
        rowid,
      );
      s.deleteTags.run(rowid);
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
        version,
        tokens,
        expiresAt,
      );
      rowid = Number(info.lastInsertRowid);
    }
    for (const tag of new Set(input.tags)) s.insertTag.run(tag, rowid);
    this.pendingText.write(rowid, input, existing !== undefined);
    const { namespace, key } = input;
    this.emit({ kind: 'written', rowid, namespace, key, contentChanged });
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
      version,
      ...(expiresAt !== null ? { expiresAt: new Date(expiresAt).toISOString() } : {}),
    };
    return { entry, created: !existing };
  }

  transaction<T>(fn: () => T): T {
    return this.inTransaction(fn);
  }

  /** Deletes one entry (its last version is kept in its history); true when there was one. */
  delete(namespace: string, key: string): boolean {
    return this.inTransaction(() => this.deleteInTransaction(namespace, key));
  }

  /** Same as delete, inside the caller's transaction (see entry-deletes.ts: deleteKey). */
  deleteInTransaction(namespace: string, key: string): boolean {
    return deleteKey(this.deletes, namespace, key, this.now());
  }

  /** Deletes a row read beforehand (see entry-deletes.ts). */
  private deleteRow(row: EntryRow, reason: DeleteReason, at: number): void {
    deleteRow(this.deletes, row, reason, at);
  }

  /** Deletes up to `limit` entries expired by `at`, in the caller's transaction; how many. */
  deleteExpiredInTransaction(at: number, limit: number): number {
    return deleteExpired(this.deletes, at, limit);
  }

  /** Deletes every entry of a namespace and its history (see entry-deletes.ts); the count. */
  deleteNamespace(namespace: string): number {
    return deleteNamespace(this.deletes, namespace);
  }

  countNamespace(namespace: string): number {
    return this.stmts.countNamespace.get(namespace) as number;
  }

  /**
   * A page of entries, newest first, as previews (or whole contents, for a page of at
   * most FULL_CONTENT_LIMIT_MAX that asks), cut to the reply budget; `cursor` continues
   * it (see entry-pages.ts). `total` counts every match, on all pages.
   */
  list(
    scope: Scope,
    filters: Filters,
    limit: number,
    offset: number,
    page: ListPageOptions = {},
  ): EntryPage {
    // Whole contents are read after their rows: one snapshot keeps both the same entry.
    const read = () => listPage(this.statements, scope, filters, limit, offset, page);
    const result = page.content ? this.inTransaction(read) : read();
    return { ...result, total: countMatches(this.statements, scope, filters) };
  }

  /** A page of memory.changes (see change-page.ts), read in one snapshot. */
  changes(args: ChangeArgs): ChangePage {
    return this.inTransaction(() => changePage(this.statements, args));
  }

  /**
   * The live entries of `namespace` whose key starts with `prefix`, in key order: the
   * first `limit` of them (key, id, version) and how many there are in all.
   */
  keysWithPrefix(namespace: string, prefix: string, limit: number): PrefixKeys {
    return keysWithPrefix(this.statements, namespace, prefix, limit, this.now());
  }

  /** Full-text candidates for ranking (see FullTextIndex.candidates). */
  fullTextCandidates(
    match: string,
    scope: Scope,
    filters: Filters,
    limits: { shared: number; own: number },
  ): RankRow[] {
    this.pendingText.flush();
    return this.fullText.candidates(match, scope, filters, limits);
  }

  /** Ranking statistics over what the caller may read (see FullTextIndex.stats). */
  fullTextStats(phrases: string[], scope: Scope): FullTextStats {
    this.pendingText.flush();
    return this.fullText.stats(phrases, scope);
  }

  /**
   * The entries among `rowids` that the scope and filters allow, by rowid (for ranked and
   * vector hits), each with its content's `size` in characters. With `contentChars`, each
   * content is only its first that many characters (enough for a snippet).
   */
  entriesByRowid(
    rowids: readonly number[],
    scope: Scope,
    filters: Filters,
    contentChars?: number,
  ): Map<number, SizedEntry> {
    return entriesByRowid(this.statements, rowids, scope, filters, contentChars);
  }

  namespaces(scope: Scope): { namespace: string; count: number }[] {
    return namespaceCounts(this.statements, scope);
  }

  /**
   * A page of whole entries in insertion order after `afterRowid`, for export, cut to
   * the reply budget; an entry too large for the budget on its own is named in
   * `omitted` instead (see entry-pages.ts).
   */
  exportPage(scope: Scope, afterRowid: number, limit: number, page: PageBudget = {}): ExportPage {
    return exportPage(this.statements, scope, afterRowid, limit, page);
  }

  /**
   * Writes an exported entry back. A new (namespace, key) keeps its id, timestamps and
   * version exactly; an existing one is updated like a store (version bumped).
   */
  importInTransaction(entry: Entry): 'inserted' | 'updated' {
    const existing = this.stmts.get.get(entry.namespace, entry.key) as EntryRow | undefined;
    if (existing) {
      this.putInTransaction({
        ...entry,
        agentId: entry.agentId,
        sessionId: entry.sessionId,
        expiresAt: entry.expiresAt !== undefined ? Date.parse(entry.expiresAt) : null,
      });
      return 'updated';
    }
    const s = this.stmts;
    const info = s.insert.run(
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
      entry.expiresAt !== undefined ? Date.parse(entry.expiresAt) : null,
    );
    const rowid = Number(info.lastInsertRowid);
    for (const tag of new Set(entry.tags)) s.insertTag.run(tag, rowid);
    this.fullText.index(rowid, entry.namespace, entry.key, entry.content, entry.tags);
    const { namespace, key } = entry;
    this.emit({ kind: 'written', rowid, namespace, key, contentChanged: true });
    return 'inserted';
  }

  idTaken(id: string): boolean {
    return this.stmts.idExists.get(id) !== undefined;
  }
}
