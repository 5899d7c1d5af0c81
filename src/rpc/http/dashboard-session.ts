/**
 * The memory session the dashboard writes in. Writes need a session (the API's rule), so
 * each signed-in dashboard gets one of its own, client "dashboard", opened on its first
 * memory call and ended when the dashboard session ends (sign-out, expiry). Its id and
 * token stay in the daemon: the browser's memory.* calls go through the normal dispatch
 * with them added, so the access rules, the audit and the limits are the API's own.
 *
 * The session may end underneath (the Sessions page, the idle cleanup, a restore): a call
 * refused with SESSION_INVALID for that reason opens a new one and is tried once more —
 * nothing was written by a refused call, so the retry cannot write twice.
 */
import { SCOPE_NAMES } from '../../protocol/scopes.js';
import type { DashboardLogins, DashboardSession } from '../../services/access/dashboard-logins.js';
import type { Principal } from '../../services/access/tokens.js';
import type { Dispatcher } from '../dispatch.js';

/** The methods that run in the dashboard's session (reads too, so its own entries show). */
const IN_SESSION = new Set([
  'memory.store',
  'memory.delete',
  'memory.get',
  'memory.list',
  'memory.search',
  'memory.namespaces',
  'memory.history',
]);

interface Request {
  jsonrpc?: unknown;
  id?: unknown;
  method?: unknown;
  params?: unknown;
}
interface Reply {
  result?: unknown;
  error?: { code: number; message: string; data?: { code?: string } };
}

export interface DashboardSessionsDeps {
  dispatcher: Dispatcher;
  logins: DashboardLogins;
  nextConnectionId: () => number;
}

export const ownerPrincipal = (session: DashboardSession): Principal => ({
  kind: 'owner',
  name: 'owner',
  scopes: new Set(SCOPE_NAMES),
  fingerprint: `dashboard:${session.id}`,
});

export class DashboardSessions {
  /** Sessions being opened, so calls that arrive together share one. */
  private readonly opening = new WeakMap<
    DashboardSession,
    Promise<{ id: string; token: string }>
  >();

  /** Stops listening for ended dashboard sessions (the front door closed). */
  readonly close: () => void;

  constructor(private readonly deps: DashboardSessionsDeps) {
    this.close = deps.logins.onEnd((s) => {
      if (s.memory) void this.end(s, s.memory).catch(() => undefined);
    });
  }

  /** One call through the dispatcher as the signed-in owner. */
  private async call(session: DashboardSession, method: string, params: unknown): Promise<Reply> {
    const { dispatcher } = this.deps;
    const connection = dispatcher.connect({
      id: this.deps.nextConnectionId(),
      transport: 'http',
      notify: () => false,
    });
    connection.principal = ownerPrincipal(session);
    try {
      return (await dispatcher.handleParsed(
        { jsonrpc: '2.0', id: 1, method, params },
        connection,
      )) as Reply;
    } finally {
      dispatcher.disconnect(connection);
    }
  }

  private open(session: DashboardSession): Promise<{ id: string; token: string }> {
    let p = this.opening.get(session);
    if (!p) {
      p = this.start(session).finally(() => this.opening.delete(session));
      this.opening.set(session, p);
    }
    return p;
  }

  private async start(session: DashboardSession): Promise<{ id: string; token: string }> {
    const r = await this.call(session, 'session.start', {
      metadata: { client: 'dashboard', dashboardSession: session.id },
      idleTimeoutMinutes: Math.max(1, this.deps.logins.idleLimitMs / 60_000),
    });
    if (r.error) throw new Error(`could not open the dashboard's session: ${r.error.message}`);
    const s = (r.result as { session: { id: string; token: string } }).session;
    session.memory = { id: s.id, token: s.token };
    return session.memory;
  }

  private async end(session: DashboardSession, memory: { id: string; token: string }) {
    if (session.memory === memory) session.memory = undefined;
    await this.call(session, 'session.end', { sessionId: memory.id, sessionToken: memory.token });
  }

  /**
   * Runs one parsed JSON-RPC request or batch: memory calls get the session's
   * credentials (replacing any the page sent), everything else goes through as it is.
   */
  async run(
    session: DashboardSession,
    body: unknown,
    dispatch: (body: unknown) => Promise<unknown>,
  ): Promise<unknown> {
    const requests = Array.isArray(body) ? body : [body];
    const needs = requests.some((r) => this.inSession(r));
    if (!needs) return this.forget(session, requests, await dispatch(body));
    const memory = session.memory ?? (await this.open(session));
    const first = await dispatch(this.withCredentials(body, memory));
    if (!this.refusedAsEnded(first) || session.memory !== memory) return first;
    session.memory = undefined;
    return dispatch(this.withCredentials(body, await this.open(session)));
  }

  private inSession(r: unknown): r is Request & { params?: Record<string, unknown> } {
    if (!r || typeof r !== 'object') return false;
    const { method, params } = r as Request;
    return (
      typeof method === 'string' &&
      IN_SESSION.has(method) &&
      (params === undefined || (typeof params === 'object' && !Array.isArray(params)))
    );
  }

  private withCredentials(body: unknown, memory: { id: string; token: string }): unknown {
    const add = (r: unknown) =>
      this.inSession(r)
        ? {
            ...r,
            params: { ...(r.params ?? {}), sessionId: memory.id, sessionToken: memory.token },
          }
        : r;
    return Array.isArray(body) ? body.map(add) : add(body);
  }

  private refusedAsEnded(replies: unknown): boolean {
    const list = (Array.isArray(replies) ? replies : [replies]) as (Reply | null)[];
    return list.some((r) => r?.error?.data?.code === 'SESSION_INVALID');
  }

  /** The page ended the dashboard's own session: the next memory call opens a new one. */
  private forget(session: DashboardSession, requests: unknown[], replies: unknown): unknown {
    const ended = requests.some((r) => {
      const { method, params } = (r ?? {}) as Request;
      return (
        method === 'session.end' &&
        (params as { sessionId?: unknown } | undefined)?.sessionId === session.memory?.id
      );
    });
    if (ended) session.memory = undefined;
    return replies;
  }
}
