/**
 * Change subscriptions on memory entries (`memory.subscribe`): who watches which
 * (namespace, key), and a notice to each subscriber after a committed write changed it.
 *
 * Subscribing is a read: the caller must be able to read the entry now, under the same
 * rules as memory.get, except that an entry it may not read answers exactly as a missing
 * one does (NOT_FOUND, never ACCESS_DENIED, which would say it exists); access control
 * still audits the refusal.
 *
 * The hot path stays cheap: the store tells this module of every write inside the
 * write's transaction (`onChange`); with no subscriber anywhere that costs one size
 * check, otherwise one Map lookup. A change heard is only noted. Once the transaction
 * is over (a microtask later: better-sqlite3 transactions are synchronous, so by then it
 * has committed or rolled back) each noted entry is read once, and its subscribers are
 * told its version, or that it is gone — only when that differs from what they were last
 * told, so a rolled-back write sends nothing and a write that several batches re-ran
 * sends one notice. Every path that writes entries (store, append, restoreVersion,
 * delete, import, a session's end, batches) goes through the store's `emit`, so all of
 * them pass here.
 */
import { AppError } from '../../core/errors.js';
import type { EntryChange, MemoryStore } from '../../store/memory/memory-store.js';
import type { AccessControl, Caller, Credentials, Operation } from '../access/access-control.js';
import { noEntry } from './memory-graph.js';

/** What a subscriber is told: the entry's version now, or that it was deleted. */
export type ChangeNotice =
  | { namespace: string; key: string; version: number }
  | { namespace: string; key: string; deleted: true };

/** Where notices go (a connection); `deliver` answers false once it has gone. */
export interface NoticeSink {
  deliver(notice: ChangeNotice): boolean;
  /** Told once when the subscription ends, whoever ended it. */
  ended?(): void;
}

export class Subscription {
  /** The version last told (or read at subscribe time); null once deleted. */
  last: number | null;
  cancelled = false;

  constructor(
    readonly namespace: string,
    readonly key: string,
    version: number,
    /** The session it was made in, if any: its private and project rights end with it. */
    readonly sessionId: string | undefined,
    readonly privateToIt: boolean,
    readonly sink: NoticeSink,
    private readonly drop: (s: Subscription) => void,
  ) {
    this.last = version;
  }

  cancel(): void {
    if (this.cancelled) return;
    this.cancelled = true;
    this.drop(this);
    this.sink.ended?.();
  }
}

interface EntryRef extends Credentials {
  key: string;
  namespace?: string | undefined;
}

export class MemoryWatch {
  /** namespace → key → its subscriptions. */
  private readonly subs = new Map<string, Map<string, Set<Subscription>>>();
  /** Entries changed in the transaction being run: namespace → keys. */
  private pending = new Map<string, Set<string>>();
  private scheduled = false;

  constructor(
    private readonly store: MemoryStore,
    private readonly access: AccessControl,
  ) {
    store.onChange((c) => this.heard(c));
  }

  /** How many subscriptions are open (all connections). */
  get size(): number {
    let n = 0;
    for (const keys of this.subs.values()) for (const s of keys.values()) n += s.size;
    return n;
  }

  /**
   * Subscribes `sink` to the entry named: where memory.get would find it (no namespace:
   * the session's project, then its own namespace, or "default"). An entry the caller
   * may not read, or a missing one, is NOT_FOUND.
   */
  subscribe(p: EntryRef, op: Operation, sink: NoticeSink): Subscription {
    const caller = this.access.caller(p, op);
    for (const namespace of this.candidates(caller, p, op)) {
      const entry = this.store.get(namespace, p.key);
      if (!entry) continue;
      const own = namespace === caller.ownNamespace;
      const s = new Subscription(
        namespace,
        p.key,
        entry.version,
        caller.sessionId,
        own,
        sink,
        (x) => this.remove(x),
      );
      let keys = this.subs.get(namespace);
      if (!keys) this.subs.set(namespace, (keys = new Map()));
      let set = keys.get(p.key);
      if (!set) keys.set(p.key, (set = new Set()));
      set.add(s);
      return s;
    }
    const tried = p.namespace ?? caller.project?.namespace ?? caller.ownNamespace ?? 'default';
    throw noEntry(tried, p.key);
  }

  /**
   * The namespaces an entry named without one may be in (as memory.get looks), or the one
   * named, each checked: one the caller may not read is NOT_FOUND (the refusal audited).
   */
  candidates(caller: Caller, p: EntryRef, op: Operation): string[] {
    const tried =
      p.namespace !== undefined
        ? [p.namespace]
        : [caller.project?.namespace, caller.ownNamespace ?? 'default'].filter(
            (ns): ns is string => ns !== undefined,
          );
    for (const ns of tried) {
      try {
        this.access.assertNamespace(caller, ns, op);
      } catch (err) {
        if (err instanceof AppError && err.code === 'ACCESS_DENIED') throw noEntry(ns, p.key);
        throw err;
      }
    }
    return tried;
  }

  private remove(s: Subscription): void {
    const keys = this.subs.get(s.namespace);
    const set = keys?.get(s.key);
    if (!set?.delete(s) || set.size > 0) return;
    keys!.delete(s.key);
    if (keys!.size === 0) this.subs.delete(s.namespace);
  }

  /** Inside the write's transaction: note what changed, if anyone watches it. */
  private heard(c: EntryChange): void {
    if (this.subs.size === 0) return;
    const keys = this.subs.get(c.namespace);
    if (!keys) return;
    if (c.kind === 'namespace-deleted') for (const key of keys.keys()) this.note(c.namespace, key);
    else if (keys.has(c.key)) this.note(c.namespace, c.key);
  }

  private note(namespace: string, key: string): void {
    let keys = this.pending.get(namespace);
    if (!keys) this.pending.set(namespace, (keys = new Set()));
    keys.add(key);
    if (this.scheduled) return;
    this.scheduled = true;
    queueMicrotask(() => this.flush());
  }

  /** After the transaction: tell each subscriber of a noted entry what it is now. */
  private flush(): void {
    // A transaction still open (one spanning turns) is waited for: nothing uncommitted is told.
    if (!this.store.settled()) {
      setImmediate(() => this.flush());
      return;
    }
    this.scheduled = false;
    const pending = this.pending;
    this.pending = new Map();
    for (const [namespace, keys] of pending) {
      const watched = this.subs.get(namespace);
      if (!watched) continue;
      for (const key of keys) {
        const set = watched.get(key);
        if (!set) continue;
        const version = this.store.get(namespace, key)?.version ?? null;
        for (const s of [...set]) this.tell(s, version);
      }
    }
  }

  private tell(s: Subscription, version: number | null): void {
    if (s.cancelled || s.last === version) return;
    // Rights that came with a session end with it; only its own entries' deletion (the
    // session's end) is still told, once.
    const ended = s.sessionId !== undefined && !this.access.sessionActive(s.sessionId);
    if (ended && !(s.privateToIt && version === null)) return s.cancel();
    s.last = version;
    const notice: ChangeNotice =
      version === null
        ? { namespace: s.namespace, key: s.key, deleted: true }
        : { namespace: s.namespace, key: s.key, version };
    if (!s.sink.deliver(notice) || ended) s.cancel();
  }
}
