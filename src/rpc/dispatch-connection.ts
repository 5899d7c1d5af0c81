/**
 * One connection as dispatch sees it: who is on the other end (to notify it) and the
 * calls it has in flight. A call adds itself when it starts waiting and removes itself
 * when it ends, so a long-lived connection holds only what is running now; closing the
 * connection aborts exactly those. It also counts
 * what it has in flight (for the per-connection cap) and its refusals.
 */

import type { Principal } from '../services/access/tokens.js';
import { RefusalTally } from './refusal-tally.js';

/** The peer a dispatch connection answers to: the socket, or a test. */
export interface Peer {
  readonly id: number;
  /** Unset: the socket. */
  readonly transport?: 'socket' | 'http';
  notify(method: string, params: unknown): boolean;
}

/** A subscription a connection holds (`memory.subscribe`); it ends with the connection. */
export interface ConnectionSubscription {
  readonly namespace: string;
  readonly key: string;
  cancel(): void;
}

/** How a connection files its subscriptions: one per entry. */
export const subscriptionKey = (namespace: string, key: string) => `${namespace}\u0000${key}`;

/** The abort reason of a call whose connection went away: nobody is left to answer. */
export class ConnectionClosed extends Error {
  constructor() {
    super('the connection closed before the call finished');
  }
}

/** A call in flight, as its connection sees it: something to end early. */
export interface Abortable {
  abort(why: unknown): void;
}

export class DispatchConnection {
  readonly inFlight = new Set<Abortable>();
  closed = false;
  /** Who this connection authenticated as; undefined until `auth.hello` succeeds. */
  principal: Principal | undefined;
  /** Requests of this connection being handled now (a batch counts as its length). */
  weight = 0;
  readonly refusals: RefusalTally;
  /** Notifications this connection asked for (`config.watch`), sent to watchers only. */
  readonly watching = new Set<string>();
  /** Memory subscriptions by `subscriptionKey`; a connection holding some is not idle. */
  readonly subscriptions = new Map<string, ConnectionSubscription>();
  /** The last line sent before the daemon closes this connection for its refusals. */
  farewell: string | undefined;
  /** Whose lost authority stopped this connection's notifications (null: nobody's; audited once). */
  silencedFor: Principal | null | undefined;

  constructor(readonly peer: Peer) {
    this.refusals = new RefusalTally(peer.id);
  }

  close(): void {
    this.closed = true;
    for (const c of this.inFlight) c.abort(new ConnectionClosed());
    this.endSubscriptions();
  }

  /** Ends every memory subscription and notification watch the connection holds; how many. */
  endSubscriptions(): number {
    const held = this.subscriptions.size + this.watching.size;
    for (const s of this.subscriptions.values()) s.cancel();
    this.subscriptions.clear();
    this.watching.clear();
    return held;
  }
}
