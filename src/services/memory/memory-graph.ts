/**
 * Relations between entries: `memory.link`, `memory.unlink`, `memory.related`. A link is
 * a write (a session is needed) between two entries the caller may read; an end it may
 * not read answers exactly as a missing one does (NOT_FOUND, never ACCESS_DENIED, which
 * would say it exists) — the refusal is still audited by access control. The walk runs
 * as a read task (off the event loop) with the caller's read scope in SQL, so what it
 * may not read is neither shown nor counted nor walked through (related-page.ts).
 */
import { AppError } from '../../core/errors.js';
import type { LinkStore, LinkDirection } from '../../store/memory/link-store.js';
import type { MemoryStore } from '../../store/memory/memory-store.js';
import type { AccessControl, Caller, Credentials, Operation } from '../access/access-control.js';
import type { Reads } from '../reads/reads.js';

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
    /** Where the walk runs (the read pool in the daemon). */
    private readonly reads: Reads,
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

  /**
   * A link's two ends after access control (now, before the write is queued) and a
   * function that looks up their rowids, to be called inside the write's transaction.
   */
  private ends(p: Credentials & { from: EntryRef; to: EntryRef }, op: Operation) {
    const caller = this.access.sessionCaller(p, op);
    const fromNs = this.endNamespace(caller, p.from, op);
    const toNs = this.endNamespace(caller, p.to, op);
    return () => ({
      caller,
      from: this.resolve(fromNs, p.from.key),
      to: this.resolve(toNs, p.to.key),
    });
  }

  /** An end's rowid, looked up inside the write's transaction. */
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
    const ends = this.ends(p, op);
    return this.store.writeBatched(() => {
      const { from, to, caller } = ends();
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
    const ends = this.ends(p, op);
    return this.store.writeBatched(() => {
      const { from, to } = ends();
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
    signal?: AbortSignal,
  ) {
    const caller = this.access.caller(p, op);
    const namespace = p.namespace ?? caller.ownNamespace ?? 'default';
    this.access.assertNamespace(caller, namespace, op);
    const start = this.links.rowidOf(namespace, p.key);
    if (start === undefined) throw noEntry(namespace, p.key);
    const args = {
      start,
      root: { namespace, key: p.key },
      scope: this.access.readScope(caller, undefined, op),
      walk: {
        depth: p.depth,
        direction: p.direction ?? 'both',
        type: p.type,
        maxNodes: p.limit,
      },
      budgetBytes: this.replyBudgetBytes(),
      reserveBytes,
    };
    return this.reads.runJson('memory.related', args, {
      key: op.connection,
      signal,
      label: op.method,
    });
  }
}
