/**
 * The connections dispatch serves now, and what reaches them outside a reply: aborting
 * their calls when the daemon stops, and notifications — each one asked first whether
 * the connection's token still holds its authority, as every call is.
 */
import { AppError } from '../core/errors.js';
import type { AuditSink } from '../services/audit/audit-sink.js';
import type { Principal } from '../services/access/tokens.js';
import { DispatchConnection, type Peer } from './dispatch-connection.js';

export class OpenConnections {
  private readonly open = new Set<DispatchConnection>();

  constructor(
    private readonly stillValid: (principal: Principal) => boolean,
    private readonly audit: () => AuditSink,
  ) {}

  add(peer: Peer): DispatchConnection {
    const connection = new DispatchConnection(peer);
    this.open.add(connection);
    return connection;
  }

  /** Closes it: its calls are aborted and its subscriptions end. */
  remove(connection: DispatchConnection): void {
    connection.close();
    this.open.delete(connection);
  }

  /** Aborts every request still in flight (the grace period is over); each answers SHUTTING_DOWN. */
  abortAll(): void {
    const reason = new AppError('SHUTTING_DOWN', 'the daemon stopped before this call finished');
    for (const connection of this.open) {
      for (const c of connection.inFlight) c.abort(reason);
    }
  }

  /** Sends a notification to every open connection that asked for it (`ctx.watch`). */
  notifyWatchers(method: string, params: Record<string, unknown>): void {
    for (const connection of this.open) {
      if (!connection.closed && connection.watching.has(method) && this.mayNotify(connection))
        connection.peer.notify(method, params);
    }
  }

  /**
   * Asked before every notification: a connection hears the daemon only while its token
   * holds its authority, as every call checks. Once the token is revoked or expires, the
   * notice is withheld and everything the connection listens to (memory subscriptions,
   * watches, output streams) ends; that is audited once, with what ended.
   */
  mayNotify(connection: DispatchConnection): boolean {
    const { principal } = connection;
    if (principal && this.stillValid(principal)) return true;
    if (connection.silencedFor !== (principal ?? null)) {
      connection.silencedFor = principal ?? null;
      const ended = connection.endSubscriptions();
      this.audit().record('notifications.stopped', {
        connection: connection.peer.id,
        tokenName: principal?.name ?? null,
        reason: principal ? 'token revoked or expired' : 'not authenticated',
        ended,
      });
    }
    return false;
  }

  /** Memory subscriptions held across all open connections. */
  get subscriptionCount(): number {
    let n = 0;
    for (const c of this.open) n += c.subscriptions.size;
    return n;
  }

  /** Requests in flight across all connections. */
  get inFlightCount(): number {
    let n = 0;
    for (const c of this.open) n += c.inFlight.size;
    return n;
  }
}
