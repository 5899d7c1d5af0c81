/**
 * Batches — `memory.storeMany`, `memory.getMany`, `memory.deleteMany` — and the change
 * feed `memory.changes`. A batch checks every item first, exactly as the single call
 * would (access, with its audit record on a refusal; expiry), and stops at the first bad
 * one with an error naming its index; only then does it write, all items in one
 * group-commit transaction through the store's own write paths (so history, tombstones
 * and change listeners see each item as they see a single write).
 */
import { AppError } from '../../core/errors.js';
import { fitView, viewRowOf } from '../../store/memory/entry-view.js';
import type { Entry, MemoryStore, WriteInput } from '../../store/memory/memory-store.js';
import { ReplyBudget } from '../../store/reply-budget.js';
import type {
  AccessControl,
  Caller,
  Credentials,
  Operation,
  WriteScope,
} from '../access/access-control.js';
import type { ReadCall, Reads } from '../reads/reads.js';
import { expiryOf, type ExpiryParams } from './time-params.js';

/** Batch size: at most this many items (and prefix matches) per call. */
export const BATCH_ITEMS_MAX = 500;

interface StoreItem extends ExpiryParams {
  key: string;
  content: string;
  namespace?: string | undefined;
  scope?: WriteScope | undefined;
  metadata?: Record<string, unknown> | undefined;
  tags?: string[] | undefined;
  agentId?: string | undefined;
}

interface KeyRef {
  key: string;
  namespace?: string | undefined;
}

/** The error of item `index`: the same code and data, its message and data naming the item. */
function itemError(index: number, err: unknown): unknown {
  if (!(err instanceof AppError)) return err;
  const data: Record<string, unknown> = { ...err.data, index };
  if (err.code === 'INVALID_PARAMS' && Array.isArray(err.data?.issues)) {
    // Dotted, as the zod issues of the same batch are on the wire (items.2.key).
    data.issues = (err.data.issues as { path: (string | number)[] }[]).map((i) => ({
      ...i,
      path: ['items', index, ...i.path].join('.'),
    }));
  }
  return new AppError(err.code, `item ${index}: ${err.message}`, data, { cause: err });
}

/** Runs `fn` for each item, rethrowing the first failure as that item's. */
function eachItem<I, O>(items: readonly I[], fn: (item: I, index: number) => O): O[] {
  return items.map((item, index) => {
    try {
      return fn(item, index);
    } catch (err) {
      throw itemError(index, err);
    }
  });
}

export class MemoryBatches {
  constructor(
    private readonly store: MemoryStore,
    private readonly access: AccessControl,
    private readonly reads: Reads,
    private readonly replyBudgetBytes: () => number,
  ) {}

  async storeMany(p: Credentials & { items: StoreItem[] }, op: Operation) {
    const caller = this.access.sessionCaller(p, op);
    const now = this.store.now();
    const inputs = eachItem(p.items, (item): WriteInput => ({
      namespace: this.access.writeNamespace(caller, item.namespace, op, item.scope),
      key: item.key,
      content: item.content,
      metadata: item.metadata ?? {},
      tags: item.tags ?? [],
      agentId: item.agentId ?? null,
      sessionId: caller.sessionId,
      expiresAt: expiryOf(item, now),
    }));
    const written = await this.store.writeBatched(() =>
      inputs.map((input) => this.store.putInTransaction(input)),
    );
    const results = written.map(({ entry, created }) => ({
      namespace: entry.namespace,
      key: entry.key,
      id: entry.id,
      version: entry.version,
      created,
      ...(entry.expiresAt !== undefined ? { expiresAt: entry.expiresAt } : {}),
    }));
    const created = results.filter((r) => r.created).length;
    return { results, created, updated: results.length - created };
  }

  /** Namespaces memory.get looks in for a key without one (checked: ACCESS_DENIED if any is not allowed). */
  private readPlaces(caller: Caller, item: KeyRef, op: Operation): string[] {
    const tried =
      item.namespace !== undefined
        ? [item.namespace]
        : [caller.project?.namespace, caller.ownNamespace ?? 'default'].filter(
            (ns): ns is string => ns !== undefined,
          );
    for (const ns of tried) this.access.assertNamespace(caller, ns, op);
    return tried;
  }

  getMany(p: Credentials & { items: KeyRef[] }, op: Operation, reserveBytes = 0) {
    const caller = this.access.caller(p, op);
    const places = eachItem(p.items, (item) => this.readPlaces(caller, item, op));
    const budget = new ReplyBudget(this.replyBudgetBytes(), reserveBytes + 512);
    const results = [];
    let next: number | null = null;
    let found = 0;
    for (const [index, item] of p.items.entries()) {
      const tried = places[index]!;
      let entry: Entry | undefined;
      for (const ns of tried) if ((entry = this.store.get(ns, item.key))) break;
      const head = { index, namespace: entry?.namespace ?? tried[0]!, key: item.key };
      if (!entry) {
        if (!budget.take(120 + 6 * (head.namespace.length + head.key.length))) {
          next = index;
          break;
        }
        results.push({ ...head, found: false });
        continue;
      }
      // The first entry always comes (cut if alone over the budget, as pages do).
      const view = fitView(
        viewRowOf(entry, entry.content, [...entry.content].length),
        true,
        budget,
        80,
      );
      if (!view) {
        next = index;
        break;
      }
      found++;
      results.push({ ...head, found: true, entry: view });
    }
    return {
      results,
      found,
      missing: results.length - found,
      truncated: budget.truncated,
      next,
    };
  }

  async deleteMany(
    p: Credentials & {
      items?: KeyRef[] | undefined;
      prefix?: string | undefined;
      namespace?: string | undefined;
      dryRun?: boolean | undefined;
    },
    op: Operation,
  ) {
    const caller = this.access.sessionCaller(p, op);
    const dryRun = p.dryRun === true;
    if (p.prefix !== undefined) {
      const namespace = this.access.writeNamespace(caller, p.namespace, op);
      const prefix = p.prefix;
      return this.store.writeBatched(() => {
        const { keys, total } = this.store.keysWithPrefix(namespace, prefix, BATCH_ITEMS_MAX);
        let deleted = 0;
        if (!dryRun)
          for (const k of keys) if (this.store.deleteInTransaction(namespace, k.key)) deleted++;
        const results = keys.map((k) => ({ namespace, key: k.key, found: true }));
        return {
          dryRun,
          results,
          deleted,
          matched: keys.length,
          remaining: total - (dryRun ? 0 : deleted),
        };
      });
    }
    const items = p.items ?? [];
    const places = eachItem(items, (item) => {
      const ns = this.access.writeNamespace(caller, item.namespace, op);
      // Without a namespace, a project's session may mean its scratch entry (as memory.delete).
      return item.namespace === undefined && ns !== caller.ownNamespace
        ? [ns, caller.ownNamespace]
        : [ns];
    });
    return this.store.writeBatched(() => {
      const results = items.map((item, index) => {
        const tried = places[index]!;
        const at = tried.find((ns) => this.store.get(ns, item.key) !== undefined);
        if (at !== undefined && !dryRun) this.store.deleteInTransaction(at, item.key);
        return { namespace: at ?? tried[0]!, key: item.key, found: at !== undefined };
      });
      const matched = results.filter((r) => r.found).length;
      return { dryRun, results, deleted: dryRun ? 0 : matched, matched, remaining: 0 };
    });
  }

  changes(
    p: Credentials & {
      since: string;
      namespace?: string | undefined;
      limit: number;
      cursor?: string | undefined;
    },
    op: Operation,
    reserveBytes = 0,
    signal?: AbortSignal,
  ) {
    const caller = this.access.caller(p, op);
    const scope = this.access.readScope(caller, p.namespace, op);
    const args = {
      scope,
      since: Date.parse(p.since),
      limit: p.limit,
      cursor: p.cursor,
      budgetBytes: this.replyBudgetBytes(),
      reserveBytes,
      now: this.store.now(),
    };
    const call: ReadCall = { key: op.connection, signal, label: op.method };
    return this.reads
      .run('memory.changes', args, call)
      .then((page) => ({ ...page, count: page.changes.length }));
  }
}
