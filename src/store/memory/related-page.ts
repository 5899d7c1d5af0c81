/**
 * The answer of `memory.related`, built where the read runs (a read-pool worker, or the
 * daemon's thread when the pool is off): the walk (link-store.ts) under the caller's
 * scope, its nodes as previews nearest first, then the links among the nodes shown, all
 * within the reply budget. A read task, so a wide walk never holds up the event loop.
 */
import { fitView, type EntryView } from './entry-view.js';
import type { LinkRow, LinkStore, WalkOptions } from './link-store.js';
import type { Scope } from './memory-scope.js';
import { ReplyBudget } from '../reply-budget.js';

type Ref = { namespace: string; key: string };

export interface RelatedLink {
  from: Ref;
  to: Ref;
  type: string;
  metadata: Record<string, unknown>;
  createdAt: string;
}

export interface RelatedPage {
  root: Ref;
  nodes: (EntryView & { depth: number })[];
  edges: RelatedLink[];
  truncated: boolean;
}

export interface RelatedArgs {
  start: number;
  root: Ref;
  scope: Scope;
  walk: WalkOptions;
  budgetBytes: number;
  reserveBytes: number;
}

/** Every link as the wire shows it. */
export const toLink = (e: LinkRow, from: Ref, to: Ref): RelatedLink => ({
  from,
  to,
  type: e.type,
  metadata: JSON.parse(e.metadata) as Record<string, unknown>,
  createdAt: new Date(e.created_at).toISOString(),
});

/** At most the JSON bytes of an edge (keys, namespaces and type at their bound). */
const edgeBytes = (e: LinkRow, from: Ref, to: Ref) =>
  160 +
  6 * (from.key.length + from.namespace.length + to.key.length + to.namespace.length) +
  6 * e.type.length +
  Buffer.byteLength(e.metadata);

export function relatedPage(links: LinkStore, a: RelatedArgs): RelatedPage {
  const walk = links.walk(a.start, a.scope, a.walk);
  // Nearest first; the start leads, so it is always on the page.
  const order = [...walk.nodes.entries()].sort((x, y) => x[1] - y[1]).map(([rowid]) => rowid);
  const budget = new ReplyBudget(a.budgetBytes, a.reserveBytes + 1024);
  const nodes: RelatedPage['nodes'] = [];
  const refs = new Map<number, Ref>();
  for (const row of links.views(order)) {
    const view = fitView(row, false, budget, 16);
    if (!view) break;
    nodes.push({ ...view, depth: walk.nodes.get(row.rowid)! });
    refs.set(row.rowid, { namespace: row.namespace, key: row.key });
  }
  const edges: RelatedLink[] = [];
  for (const e of walk.edges) {
    const from = refs.get(e.from_rowid);
    const to = refs.get(e.to_rowid);
    if (!from || !to) continue;
    if (!budget.take(edgeBytes(e, from, to))) break;
    edges.push(toLink(e, from, to));
  }
  return {
    root: a.root,
    nodes,
    edges,
    truncated: walk.truncated || budget.truncated || nodes.length < order.length,
  };
}
