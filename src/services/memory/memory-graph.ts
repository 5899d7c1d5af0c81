/**
 * Relations between entries: `memory.link`, `memory.unlink`, `memory.related`. A link is
 * a write (a session is needed) between two entries the caller may read; an end it may
 * not read answers exactly as a missing one does (NOT_FOUND, never ACCESS_DENIED, which
 * would say it exists) — the refusal is still audited by access control. The walk runs
 * with the caller's read scope in SQL, so what it may not read is neither shown nor
 * counted nor walked through.
 */
import { AppError } from '../../core/errors.js';
import type { LinkRow, LinkStore, LinkDirection } from '../../store/memory/link-store.js';
import type { MemoryStore } from '../../store/memory/memory-store.js';
import { fitView } from '../../store/memory/entry-view.js';
import { ReplyBudget } from '../../store/reply-budget.js';
import type { AccessControl, Caller, Credentials, Operation } from '../access/access-control.js';

export interface EntryRef {
  key: string;
  namespace?: string | undefined;
}

interface Resolved {
  namespace: string;
  key: string;
  rowid: number;
}

/** The NOT_FOUND of a missing entry; an invisible one gets exactly the same. */
export const noEntry = (namespace: string, key: string) =>
  new AppError('NOT_FOUND', `no entry with key "${key}" in namespace ${namespace}`, {
    namespace,
    key,
  });

export class MemoryGraph {
  constructor(
    private readonly store: MemoryStore,
    private readonly links: LinkStore,
    private readonly access: AccessControl,
    private readonly now: () => number,
    private readonly replyBudgetBytes: () => number,
  ) {}

  /** The namespace of a link end, after access control; a refusal reads as NOT_FOUND. */
  private endNamespace(caller: Caller & { ownNamespace: string }, ref: EntryRef, op: Operation) {
    const namespace = ref.namespace ?? caller.ownNamespace;
    try {
      this.access.assertNamespace(caller, namespace, op);
    } catch (err) {
      if (err instanceof AppError && err.code === 'ACCESS_DENIED')
        throw noEntry(namespace, ref.key);
      throw err;
    }
    return namespace;
  }

  /** Both ends' rowids, looked up inside the write's transaction. */
  private resolve(namespace: string, key: string): Resolved {
    const rowid = this.links.rowidOf(namespace, key);
    if (rowid === undefined) throw noEntry(namespace, key);
    return { namespace, key, rowid };
  }

  link(
    p: Credentials & {
      from: EntryRef;
      to: EntryRef;
      type: string;
      metadata?: Record<string, unknown> | undefined;
    },
    op: Operation,
  ) {
    const caller = this.access.sessionCaller(p, op);
    const fromNs = this.endNamespace(caller, p.from, op);
    const toNs = this.endNamespace(caller, p.to, op);
    return this.store.writeBatched(() => {
      const from = this.resolve(fromNs, p.from.key);
      const to = this.resolve(toNs, p.to.key);
      const at = this.now();
      const r = this.links.link(from.rowid, to.rowid, p.type, p.metadata, caller.sessionId, at);
      return {
        link: {
          from: { namespace: from.namespace, key: from.key },
          to: { namespace: to.namespace, key: to.key },
          type: p.type,
          metadata: this.links.metadataOf(from.rowid, to.rowid, p.type),
          createdAt: new Date(r.createdAt).toISOString(),
        },
        created: r.created,
      };
    });
  }

  unlink(
    p: Credentials & { from: EntryRef; to: EntryRef; type?: string | undefined },
    op: Operation,
  ) {
    const caller = this.access.sessionCaller(p, op);
    const fromNs = this.endNamespace(caller, p.from, op);
    const toNs = this.endNamespace(caller, p.to, op);
    return this.store.writeBatched(() => {
      const from = this.resolve(fromNs, p.from.key);
      const to = this.resolve(toNs, p.to.key);
      return { removed: this.links.unlink(from.rowid, to.rowid, p.type) };
    });
  }

  related(
    p: Credentials & {
      key: string;
      namespace?: string | undefined;
      type?: string | undefined;
      direction?: LinkDirection | undefined;
      depth: number;
      limit: number;
    },
    op: Operation,
    reserveBytes = 0,
  ) {
    const caller = this.access.caller(p, op);
    const namespace = p.namespace ?? caller.ownNamespace ?? 'default';
    this.access.assertNamespace(caller, namespace, op);
    const start = this.links.rowidOf(namespace, p.key);
    if (start === undefined) throw noEntry(namespace, p.key);
    const scope = this.access.readScope(caller, undefined, op);
    const walk = this.links.walk(start, scope, {
      depth: p.depth,
      direction: p.direction ?? 'both',
      type: p.type,
      maxNodes: p.limit,
    });
    // Nearest first; the start leads, so it is always on the page.
    const order = [...walk.nodes.entries()].sort((a, b) => a[1] - b[1]).map(([rowid]) => rowid);
    const budget = new ReplyBudget(this.replyBudgetBytes(), reserveBytes + 1024);
    const nodes = [];
    const refs = new Map<number, { namespace: string; key: string }>();
    for (const row of this.links.views(order)) {
      const view = fitView(row, false, budget, 16);
      if (!view) break;
      nodes.push({ ...view, depth: walk.nodes.get(row.rowid)! });
      refs.set(row.rowid, { namespace: row.namespace, key: row.key });
    }
    const edges = [];
    for (const e of walk.edges) {
      const from = refs.get(e.from_rowid);
      const to = refs.get(e.to_rowid);
      if (!from || !to) continue;
      if (!budget.take(edgeBytes(e, from, to))) break;
      edges.push(toLink(e, from, to));
    }
    return {
      root: { namespace, key: p.key },
      nodes,
      edges,
      truncated: walk.truncated || budget.truncated || nodes.length < order.length,
    };
  }
}

type Ref = { namespace: string; key: string };

const toLink = (e: LinkRow, from: Ref, to: Ref) => ({
  from,
  to,
  type: e.type,
  metadata: JSON.parse(e.metadata) as Record<string, unknown>,
  createdAt: new Date(e.created_at).toISOString(),
});

/** At most the JSON bytes of an edge (keys and namespaces at their bound). */
const edgeBytes = (e: LinkRow, from: Ref, to: Ref) =>
  160 +
  6 * (from.key.length + from.namespace.length + to.key.length + to.namespace.length) +
  6 * e.type.length +
  Buffer.byteLength(e.metadata);
