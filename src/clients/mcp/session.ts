/**
 * The shim's connection to the daemon, and its one session on it. The session itself —
 * opening it for the MCP client (bound to the client's project), adding its credentials
 * to calls, replacing one that ended, ending it on close — is the tool layer's
 * `CallerSession` (src/mcp/caller-session.ts), which MCP over HTTP uses too. What is
 * left here is what only a socket client needs: connecting (starting the daemon when
 * allowed), time limits on every call, `--session` to join a session and
 * `--keep-session` to leave it open.
 *
 * The daemon may restart under a long-lived shim. Sessions live in the daemon's
 * database, so after a reconnect the session usually still stands and is kept; when it
 * does not (another data dir, idle cleanup, ended by the user), a fresh one is opened.
 * Either way the next result says so through `takeNotes()`, instead of the shim dying:
 * each new connection marks the session to be checked before its next use.
 *
 * The token stays in the session object: it is sent to the daemon and nowhere else.
 */
import type { AistackClient } from '../client.js';
import { CallerSession, SessionClosedError, type SessionCreds } from '../../mcp/caller-session.js';
import type { MethodName } from '../../protocol/table.js';

export type { SessionCreds };

export interface ShimSessionOptions {
  /** Connects to the daemon (starting it when allowed). */
  connect(): Promise<AistackClient>;
  /** `--session ID` with `AISTACK_SESSION_TOKEN`: join this session instead of opening one. */
  join?: SessionCreds | undefined;
  /** `--keep-session`: leave the session open when the shim exits. */
  keep?: boolean;
  idleTimeoutMinutes?: number | undefined;
  /** Limit on each call to the daemon: a backstop, the daemon has its own limits. */
  callTimeoutMs: number;
  log(message: string): void;
}

/** The session named with `--session` is not active, or the token does not match. */
export class SessionJoinError extends Error {
  constructor(id: string) {
    super(
      `the session given with --session (${id}) is not active or AISTACK_SESSION_TOKEN does not match it; start a session and pass its id and token again`,
    );
    this.name = 'SessionJoinError';
  }
}

/** How long closing waits for a session that is still being opened. */
const CLOSE_WAIT_MS = 2500;
/** Short: the MCP client sends SIGTERM two seconds after closing stdin. */
const CLOSE_CALL_MS = 1500;
const SHUTTING_DOWN = 'aistack mcp is shutting down';

export class ShimSession {
  /** The MCP connection's session, as the tools use it. */
  readonly session: CallerSession;
  private client: AistackClient | undefined;
  private connecting: Promise<AistackClient> | undefined;
  private closing = false;

  /** Called with each new connection to the daemon (the first and every reconnect). */
  onConnected: ((client: AistackClient) => void) | undefined;

  constructor(private readonly options: ShimSessionOptions) {
    const { join } = options;
    this.session = new CallerSession({
      caller: { call: (method, params, timeoutMs) => this.send(method, params, timeoutMs) },
      via: 'aistack mcp',
      metadata: { pid: process.pid },
      idleTimeoutMinutes: () => options.idleTimeoutMinutes,
      connect: async () => void (await this.connection()),
      connected: () => this.client !== undefined && !this.client.closed,
      join: join && { creds: join, refused: () => new SessionJoinError(join.sessionId) },
      keep: options.keep ?? false,
      closeWaitMs: CLOSE_WAIT_MS,
      closeTimeoutMs: Math.min(options.callTimeoutMs, CLOSE_CALL_MS),
      closedMessage: SHUTTING_DOWN,
      log: options.log,
    });
  }

  /** Connects to the daemon (starting it when allowed) without opening a session. */
  connect(): Promise<AistackClient> {
    return this.connection();
  }

  /** The connection, reconnecting if it dropped; never opens a session. */
  private connection(): Promise<AistackClient> {
    if (this.closing) return Promise.reject(new SessionClosedError(SHUTTING_DOWN));
    if (this.client && !this.client.closed) return Promise.resolve(this.client);
    this.connecting ??= (async () => {
      const reconnect = this.client !== undefined;
      const client = await this.options.connect();
      client.onClose(() => {
        if (!this.closing) this.options.log('the connection to the daemon closed');
      });
      this.client = client;
      this.onConnected?.(client);
      if (reconnect) {
        this.options.log('reconnected to the daemon');
        this.session.suspect();
      }
      return client;
    })().finally(() => (this.connecting = undefined));
    return this.connecting;
  }

  /**
   * One call on the connection (reconnecting when it dropped; while closing, only on the
   * connection still open). A call with its own limit (a task run's `timeoutMs`) gets the
   * daemon's answer to it, not a shorter one from here.
   */
  private async send(
    method: string,
    params: Record<string, unknown>,
    timeoutMs: number | undefined,
  ): Promise<unknown> {
    const open = this.client && !this.client.closed ? this.client : undefined;
    const client = this.closing ? open : await this.connection();
    if (!client) throw new SessionClosedError(SHUTTING_DOWN);
    const own = typeof params.timeoutMs === 'number' ? params.timeoutMs + 30_000 : 0;
    const limit = timeoutMs ?? Math.max(this.options.callTimeoutMs, own);
    return client.call(method as MethodName, params as never, limit);
  }

  /**
   * Ends the session if this shim opened it (and `--keep-session` was not given), then
   * closes the connection. A session still being opened is waited for (briefly: a daemon
   * still starting must not keep a departing shim around), so none is left behind by a
   * client that disconnects right after initializing.
   */
  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    await this.session.close();
    this.client?.close();
  }
}
