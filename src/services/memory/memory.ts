/**
 * Memory: store, get, search, list, delete, namespaces, export and import, and the
 * embeddings' reindex and status. Every path asks AccessControl who the caller is and
 * what it may see before touching the store, and every result names the namespace it
 * came from or landed in.
 */
import { AppError } from '../../core/errors.js';
import { checkContentLimit } from '../../store/memory/entry-pages.js';
import type { Entry, MemoryStore } from '../../store/memory/memory-store.js';
import { DEFAULT_REPLY_BUDGET_BYTES } from '../../store/reply-budget.js';
import type {
  AccessControl,
  Credentials,
  Operation,
  WriteScope,
} from '../access/access-control.js';
import { isSessionNamespace } from '../access/access-control.js';
import type { EmbeddingService, ReindexResult } from '../embeddings/embeddings.js';
import type { Filters, ListSort } from '../../store/memory/memory-store.js';
import { filtersOf } from '../reads/read-tasks.js';
import { expiryOf, timeFilters, type ExpiryParams, type TimeFilterParams } from './time-params.js';
import { InlineReads, type ReadCall, type Reads } from '../reads/reads.js';
import { MemoryBatches } from './memory-batch.js';
import { MemoryGraph } from './memory-graph.js';
import { MemoryVersions } from './memory-versions.js';
import { MemoryWatch } from './memory-watch.js';
import {
  MemorySearch,
  type SearchMode,
  type SearchResponse,
  type SearchResult,
} from './memory-search.js';

export type { SearchResult } from './memory-search.js';

export const DEFAULT_NAMESPACE = 'default';

/** Expired entries deleted per transaction by the memory.expire job. */
const EXPIRE_CHUNK = 500;

interface ReadFilters extends Credentials, TimeFilterParams {
  namespace?: string | undefined;
  tags?: string[] | undefined;
  agentId?: string | undefined;
  includeShared?: boolean | undefined;
}

interface SearchParams extends ReadFilters {
  query: string;
  limit: number;
  offset: number;
  match?: 'all' | 'any' | undefined;
  sort?: 'relevance' | 'updated' | 'created' | undefined;
  order?: 'desc' | 'asc' | undefined;
}

/** The filters of a read's params (credentials left behind, times in ms). */
const readFilters = (p: ReadFilters): Filters => ({
  ...filtersOf({ tags: p.tags, agentId: p.agentId, includeShared: p.includeShared }),
  ...timeFilters(p),
});

/**
 * A time sort asked for, if any: relevance (a search's own order, also when it gives only
 * `order`) is none; a list given only `order` sorts by update.
 */
function timeSort(
  p: { sort?: 'relevance' | 'updated' | 'created' | undefined; order?: 'desc' | 'asc' | undefined },
  search = false,
) {
  if (p.sort === 'relevance' || (p.sort === undefined && (search || p.order === undefined)))
    return undefined;
  return { by: p.sort ?? 'updated', order: p.order ?? 'desc' } satisfies ListSort;
}

/** What a page-shaped read may ask for beyond its filters. */
interface PageParams {
  cursor?: string | undefined;
  content?: boolean | undefined;
}

/** INVALID_PARAMS for a cursor given with an offset: the cursor already says where to go on. */
function checkCursor(p: { cursor?: string | undefined; offset?: number | undefined }): void {
  if (p.cursor !== undefined && (p.offset ?? 0) > 0) {
    throw new AppError('INVALID_PARAMS', 'give either cursor or offset, not both', {
      issues: [
        { path: ['offset'], message: 'a cursor continues where its page stopped; drop offset' },
      ],
    });
  }
}

/** A read for a request: its connection's line in the read pool, its signal, its method. */
const readCall = (op: Operation, signal?: AbortSignal): ReadCall => ({
  key: op.connection,
  signal,
  label: op.method,
});

export class MemoryService {
  private readonly searcher: MemorySearch;
  /** Where list, search and export pages run (the read pool in the daemon). */
  private readonly reads: Reads;
  /** memory.link, memory.unlink, memory.related. */
  readonly graph: MemoryGraph;
  /** memory.history, memory.restoreVersion, memory.append. */
  readonly versions: MemoryVersions;
  /** memory.subscribe, memory.unsubscribe: change notices after committed writes. */
  readonly watch: MemoryWatch;
  /** memory.storeMany, memory.getMany, memory.deleteMany, memory.changes. */
  readonly batches: MemoryBatches;

  constructor(
    private readonly store: MemoryStore,
    private readonly access: AccessControl,
    private readonly embeddings?: EmbeddingService,
    reads?: Reads,
    /** `daemon.replyBudgetBytes`, read at each call (a reload changes it). */
    private readonly replyBudgetBytes: () => number = () => DEFAULT_REPLY_BUDGET_BYTES,
  ) {
    this.reads = reads ?? new InlineReads({ memory: store });
    this.searcher = new MemorySearch(store, embeddings, this.reads);
    this.graph = new MemoryGraph(
      store,
      store.links,
      access,
      store.now,
      replyBudgetBytes,
      this.reads,
    );
    this.versions = new MemoryVersions(store, access, replyBudgetBytes);
    this.watch = new MemoryWatch(store, access);
    this.batches = new MemoryBatches(store, access, this.reads, replyBudgetBytes);
  }

  /** The budget of one reply, less `reserveBytes` for its envelope. */
  private budget(reserveBytes: number) {
    return { budgetBytes: this.replyBudgetBytes(), reserveBytes };
  }

  put(
    p: Credentials &
      ExpiryParams & {
        key: string;
        content: string;
        namespace?: string | undefined;
        metadata?: Record<string, unknown> | undefined;
        tags?: string[] | undefined;
        agentId?: string | undefined;
        scope?: WriteScope | undefined;
        expectedVersion?: number | undefined;
      },
    op: Operation,
  ) {
    const caller = this.access.sessionCaller(p, op);
    const namespace = this.access.writeNamespace(caller, p.namespace, op, p.scope);
    const expiresAt = expiryOf(p, this.store.now());
    return this.store.putBatched({
      expiresAt,
      namespace,
      key: p.key,
      content: p.content,
      metadata: p.metadata ?? {},
      tags: p.tags ?? [],
      agentId: p.agentId ?? null,
      sessionId: caller.sessionId,
      expectedVersion: p.expectedVersion,
    });
  }

  get(p: Credentials & { key: string; namespace?: string | undefined }, op: Operation) {
    const caller = this.access.caller(p, op);
    // Without a namespace: the project's, then the session's (where writes without one go).
    const tried =
      p.namespace !== undefined
        ? [p.namespace]
        : [caller.project?.namespace, caller.ownNamespace ?? DEFAULT_NAMESPACE].filter(
            (ns): ns is string => ns !== undefined,
          );
    for (const ns of tried) this.access.assertNamespace(caller, ns, op);
    for (const ns of tried) {
      const entry = this.store.get(ns, p.key);
      if (entry) return { entry };
    }
    throw new AppError(
      'NOT_FOUND',
      `no entry with key "${p.key}" in namespace ${tried.join(' or ')}`,
      { namespace: tried[0], key: p.key },
    );
  }

  delete(p: Credentials & { key: string; namespace?: string | undefined }, op: Operation) {
    const caller = this.access.sessionCaller(p, op);
    const namespace = this.access.writeNamespace(caller, p.namespace, op);
    const deleted = this.store.delete(namespace, p.key);
    // Without a namespace, a project's session may mean its scratch entry of that key.
    if (!deleted && p.namespace === undefined && namespace !== caller.ownNamespace) {
      const own = caller.ownNamespace;
      if (this.store.delete(own, p.key)) return { deleted: true, namespace: own, key: p.key };
    }
    return { deleted, namespace, key: p.key };
  }

  /** Full-text search, synchronous (for callers inside the daemon, such as task prompts). */
  search(p: SearchParams, op: Operation): { results: SearchResult[]; count: number } {
    const caller = this.access.caller(p, op);
    const scope = this.access.readScope(caller, p.namespace, op);
    const results = this.searcher.fts({ ...p, sort: timeSort(p, true) }, scope, readFilters(p));
    return { results, count: results.length };
  }

  /**
   * `memory.search`: full-text, vector or hybrid (the default when embeddings are on), a
   * page of previews (or small whole contents) within the reply budget.
   */
  searchWithMode(
    p: SearchParams & PageParams & { mode?: SearchMode | undefined },
    op: Operation,
    reserveBytes = 0,
    signal?: AbortSignal,
  ): Promise<SearchResponse> {
    const caller = this.access.caller(p, op);
    const scope = this.access.readScope(caller, p.namespace, op);
    checkCursor(p);
    checkContentLimit(p.content, p.limit);
    const page = { cursor: p.cursor, content: p.content, ...this.budget(reserveBytes) };
    const request = { ...p, sort: timeSort(p, true) };
    return this.searcher.run(request, scope, readFilters(p), page, readCall(op, signal));
  }

  /**
   * Search for callers inside the daemon (task prompts): any mode, whole contents, and
   * no reply budget, since nothing of it goes on the wire as it is.
   */
  searchWhole(
    p: SearchParams & { mode?: SearchMode | undefined },
    op: Operation,
    signal?: AbortSignal,
  ): Promise<SearchResponse> {
    const caller = this.access.caller(p, op);
    const scope = this.access.readScope(caller, p.namespace, op);
    return this.searcher.run(
      { ...p, sort: timeSort(p, true) },
      scope,
      readFilters(p),
      { content: true, budgetBytes: Number.MAX_SAFE_INTEGER },
      readCall(op, signal),
    );
  }

  /** `memory.list`: a page of previews (or small whole contents) within the reply budget. */
  list(
    p: ReadFilters &
      PageParams & {
        limit: number;
        offset: number;
        sort?: 'updated' | 'created' | undefined;
        order?: 'desc' | 'asc' | undefined;
      },
    op: Operation,
    reserveBytes = 0,
    signal?: AbortSignal,
  ) {
    const caller = this.access.caller(p, op);
    const scope = this.access.readScope(caller, p.namespace, op);
    checkCursor(p);
    const page = {
      cursor: p.cursor,
      content: p.content,
      sort: timeSort(p),
      ...this.budget(reserveBytes),
    };
    const args = { scope, filters: readFilters(p), limit: p.limit, offset: p.offset, page };
    return this.reads.runJson('memory.list', args, readCall(op, signal));
  }

  namespaces(p: Credentials, op: Operation) {
    const caller = this.access.caller(p, op);
    return { namespaces: this.store.namespaces(this.access.readScope(caller, undefined, op)) };
  }

  /**
   * A page of entries for export (local user only): one namespace, or every shared and
   * project one (sessions' namespaces die with them, so they are never exported whole).
   */
  exportPage(
    p: { namespace?: string | undefined; cursor?: number | undefined; limit: number },
    op: Operation,
    reserveBytes = 0,
    signal?: AbortSignal,
  ) {
    const scope = p.namespace ? { namespace: p.namespace } : { allProjects: true };
    const args = { scope, after: p.cursor ?? 0, limit: p.limit, page: this.budget(reserveBytes) };
    return this.reads.runJson('memory.exportPage', args, readCall(op, signal));
  }

  /** Embeds entries that lack a vector for the current model (local user only). */
  reindex(
    p: { namespace?: string | undefined; limit?: number | undefined },
    progress: (done: number, total: number) => void,
    signal?: AbortSignal,
  ): Promise<ReindexResult> {
    return this.embeddingService().reindex(p, progress, signal);
  }

  embeddingStatus() {
    return this.embeddingService().status();
  }

  private embeddingService(): EmbeddingService {
    if (!this.embeddings) {
      throw new AppError('FEATURE_DISABLED', 'embeddings are not available in this daemon', {
        feature: 'memory.embeddings',
      });
    }
    return this.embeddings;
  }

  /**
   * The memory.expire job: deletes every entry whose expiry has passed, a chunk per
   * group commit (so writers are never held up long), and forgets deletions older than
   * `retentionDays`.
   */
  async expire(retentionDays: number): Promise<{ expired: number; forgotten: number }> {
    let expired = 0;
    for (;;) {
      const n = await this.store.writeBatched(() =>
        this.store.deleteExpiredInTransaction(this.store.now(), EXPIRE_CHUNK),
      );
      expired += n;
      if (n < EXPIRE_CHUNK) break;
    }
    const before = this.store.now() - retentionDays * 86_400_000;
    const forgotten = await this.store.writeBatched(() => this.store.tombstones.prune(before));
    return { expired, forgotten };
  }

  /** Trims every entry's kept versions to `keep` (the memory.historyPrune job); returns how many went. */
  pruneHistory(keep: number): number {
    return this.store.history.prune(keep);
  }

  /** Imports a batch in one transaction; session namespaces are refused (their sessions are gone). */
  importBatch(entries: Entry[]) {
    const rejected: { index: number; reason: string }[] = [];
    let inserted = 0;
    let updated = 0;
    this.store.transaction(() => {
      entries.forEach((entry, index) => {
        if (isSessionNamespace(entry.namespace)) {
          rejected.push({
            index,
            reason: `session namespaces cannot be imported (${entry.namespace})`,
          });
          return;
        }
        const existing = this.store.get(entry.namespace, entry.key);
        if (!existing && this.store.idTaken(entry.id)) {
          rejected.push({ index, reason: `id ${entry.id} already belongs to another entry` });
          return;
        }
        if (this.store.importInTransaction(entry) === 'inserted') inserted++;
        else updated++;
      });
    });
    return { inserted, updated, rejected };
  }
}
