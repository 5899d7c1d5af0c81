/**
 * Memory: store, get, search, list, delete, namespaces, export and import. Every path
 * asks AccessControl who the caller is and what it may see before touching the store,
 * and every result names the namespace it came from or landed in.
 */
import { AppError } from '../rpc/errors.js';
import type { Entry, MemoryStore } from '../store/memory-store.js';
import type { AccessControl, Credentials, Operation } from './access-control.js';
import { isSessionNamespace } from './access-control.js';
import { buildFtsQuery } from './fts-query.js';
import { makeSnippet } from './snippet.js';

export const DEFAULT_NAMESPACE = 'default';

interface ReadFilters extends Credentials {
  namespace?: string | undefined;
  tags?: string[] | undefined;
  agentId?: string | undefined;
  includeShared?: boolean | undefined;
}

export interface SearchResult {
  entry: Entry;
  score: number;
  matchType: 'fts';
  snippet: string;
}

export class MemoryService {
  constructor(
    private readonly store: MemoryStore,
    private readonly access: AccessControl,
  ) {}

  put(
    p: Credentials & {
      key: string;
      content: string;
      namespace?: string | undefined;
      metadata?: Record<string, unknown> | undefined;
      tags?: string[] | undefined;
      agentId?: string | undefined;
    },
    op: Operation,
  ) {
    const caller = this.access.sessionCaller(p, op);
    const namespace = this.access.writeNamespace(caller, p.namespace, op);
    return this.store.putBatched({
      namespace,
      key: p.key,
      content: p.content,
      metadata: p.metadata ?? {},
      tags: p.tags ?? [],
      agentId: p.agentId ?? null,
      sessionId: caller.sessionId,
    });
  }

  get(p: Credentials & { key: string; namespace?: string | undefined }, op: Operation) {
    const caller = this.access.caller(p, op);
    const namespace = p.namespace ?? caller.ownNamespace ?? DEFAULT_NAMESPACE;
    this.access.assertNamespace(caller, namespace, op);
    const entry = this.store.get(namespace, p.key);
    if (!entry)
      throw new AppError('NOT_FOUND', `no entry with key "${p.key}" in namespace ${namespace}`, {
        namespace,
        key: p.key,
      });
    return { entry };
  }

  delete(p: Credentials & { key: string; namespace?: string | undefined }, op: Operation) {
    const caller = this.access.sessionCaller(p, op);
    const namespace = this.access.writeNamespace(caller, p.namespace, op);
    return { deleted: this.store.delete(namespace, p.key), namespace, key: p.key };
  }

  search(
    p: ReadFilters & {
      query: string;
      limit: number;
      offset: number;
      match?: 'all' | 'any' | undefined;
    },
    op: Operation,
  ) {
    const caller = this.access.caller(p, op);
    const scope = this.access.readScope(caller, p.namespace, op);
    const q = buildFtsQuery(p.query, p.match ?? 'all');
    if (!q.match) return { results: [] as SearchResult[], count: 0 };
    const rows = this.store.search(q.match, scope, p, p.limit, p.offset);
    const results: SearchResult[] = rows.map((r) => ({
      entry: r.entry,
      score: r.score,
      matchType: 'fts',
      snippet: makeSnippet(r.entry.content, q.terms),
    }));
    return { results, count: results.length };
  }

  list(p: ReadFilters & { limit: number; offset: number }, op: Operation) {
    const caller = this.access.caller(p, op);
    const scope = this.access.readScope(caller, p.namespace, op);
    return this.store.list(scope, p, p.limit, p.offset);
  }

  namespaces(p: Credentials, op: Operation) {
    const caller = this.access.caller(p, op);
    return { namespaces: this.store.namespaces({ ownNamespace: caller.ownNamespace }) };
  }

  /** A page of entries for export (local user only): one namespace, or every shared one. */
  exportPage(p: { namespace?: string | undefined; cursor?: number | undefined; limit: number }) {
    return this.store.exportPage(
      p.namespace ? { namespace: p.namespace } : {},
      p.cursor ?? 0,
      p.limit,
    );
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
