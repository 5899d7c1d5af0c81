/**
 * The context of one request. Dispatch builds it for every call and hands it to the
 * handler, which never reaches for the connection itself: `signal` is aborted when the
 * connection closes, the call runs past its time limit, or the daemon stops, and
 * `notify` sends a notification to the calling connection only. Everything a handler
 * needs about who is asking is here, so a long-lived connection accumulates nothing.
 */
import type { MethodSpec } from '../protocol/method.js';
import type { Operation } from '../services/access/access-control.js';
import type { Principal } from '../services/access/tokens.js';
import type { Services } from '../services/services.js';
import type { ConnectionSubscription } from './dispatch-connection.js';

/** Who is on the other end of the request, as the transport authenticated it. */
export interface RequestCaller {
  /** The connection's number, unique for the daemon's life (audit records name it). */
  readonly connection: number;
  /** Every HTTP request is its own connection, authenticated by its bearer token. */
  readonly transport: 'socket' | 'http';
  /** Who the connection authenticated as (`auth.hello`); dispatch has checked its scope. */
  readonly principal: Principal | undefined;
}

/** Call its methods on the context (`ctx.notify(…)`): they are methods, not closures. */
export interface RequestContext {
  readonly method: string;
  /** The JSON-RPC id; undefined for a notification. */
  readonly requestId: string | number | null | undefined;
  readonly caller: RequestCaller;
  /** Aborted when the connection closes, the call times out, or the daemon stops. */
  readonly signal: AbortSignal;
  /** Sends a JSON-RPC notification to the calling connection; false once it has closed. */
  notify(method: string, params: unknown): boolean;
  /** Subscribes the calling connection to a notification the daemon sends to watchers. */
  watch(notification: string): void;
  /** The calling connection's memory subscriptions (`memory.subscribe`); they end with it. */
  readonly subscriptions: Map<string, ConnectionSubscription>;
  /**
   * Authenticates the calling connection with a presented token (what `auth.hello` does);
   * throws UNAUTHENTICATED for a token that is unknown, revoked or expired.
   */
  login(token: string): Principal;
  /** `{method, connection}`, as services write it into audit records. */
  readonly op: Operation;
  /** Read when the handler runs: a request held during a restore reaches the new database. */
  readonly services: Services;
  /** The methods served right now, plugins' included (for `system.methods`). */
  readonly methods: readonly MethodSpec[];
}
