/**
 * The shim's one session and its connection to the daemon. The shim holds no state of
 * its own beyond these two: it connects (starting the daemon if allowed), opens a
 * session for the MCP client — or joins one given with `--session` — adds its
 * credentials to every call, and ends it when the shim closes (unless kept or joined).
 *
 * The daemon may restart under a long-lived shim. Sessions live in the daemon's
 * database, so after a reconnect the session usually still stands and is kept; when it
 * does not (another data dir, idle cleanup, ended by the user), a fresh one is opened.
 * Either way the next result says so through `takeNotes()`, instead of the shim dying.
 *
 * The session is bound to the client's project (project-root.ts): the shim says which
 * through `bindProject` before the session opens, and every session it opens — the
 * first, and any fresh one after a restart — is bound to that same project.
 *
 * The token stays in this object: it is sent to the daemon and nowhere else.
 */
import { RpcError, type AistackClient } from '../client.js';
import type { ProjectRef } from '../../protocol/project.js';
import { ProjectBinding } from '../../mcp/project-root.js';
import type { SessionInfo } from '../../protocol/session.js';
import type { MethodName, ResultOf } from '../../protocol/table.js';

export interface SessionCreds {
  sessionId: string;
  sessionToken: string;
}

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

export class ShimClosedError extends Error {
  constructor() {
    super('aistack mcp is shutting down');
    this.name = 'ShimClosedError';
  }
}

interface Live {
  client: AistackClient;
  creds: SessionCreds;
}

type StartParams = { metadata?: Record<string, unknown>; idleTimeoutMinutes?: number };

/** How long closing waits for a session that is still being opened. */
const CLOSE_WAIT_MS = 2500;

const isSessionInvalid = (err: unknown) =>
  err instanceof RpcError && err.code === 'SESSION_INVALID';
const cap = (v: unknown) => (typeof v === 'string' ? v.slice(0, 100) : undefined);

export class ShimSession {
  private client: AistackClient | undefined;
  private creds: SessionCreds | undefined;
  private owned = false;
  private join: SessionCreds | undefined;
  /** A reconnect happened while holding a session: check it before the next use. */
  private verify = false;
  /** Why the next session opened is a new one; told to the model once it is open. */
  private reopenReason: string | undefined;
  private readonly notes: string[] = [];
  private readonly tokens = new Set<string>();
  private connecting: Promise<AistackClient> | undefined;
  private establishing: Promise<Live> | undefined;
  private closing = false;
  private metadata: Record<string, unknown> = { client: 'mcp-client', via: 'aistack mcp' };
  /** The project every session this shim opens is bound to (none until bindProject). */
  private project: ProjectBinding | undefined;

  /** Called with each new connection to the daemon (the first and every reconnect). */
  onConnected: ((client: AistackClient) => void) | undefined;

  constructor(private readonly options: ShimSessionOptions) {
    this.join = options.join;
    if (options.join) this.tokens.add(options.join.sessionToken);
  }

  /** Session metadata from the MCP client's `initialize` (its name and version). */
  setClientInfo(info: { name?: unknown; version?: unknown } | undefined): void {
    if (!info) return;
    this.metadata = {
      client: cap(info?.name) || 'mcp-client',
      clientVersion: cap(info?.version) ?? null,
      via: 'aistack mcp',
      pid: process.pid,
    };
  }

  /**
   * Says which project the sessions this shim opens are bound to; asked once, when the
   * first session opens (a source that fails or names nothing valid: no project).
   */
  bindProject(source: () => Promise<ProjectRef | undefined>): void {
    this.project = new ProjectBinding(source, this.options.log);
  }

  /** Connects to the daemon (starting it when allowed) without opening a session. */
  async connect(): Promise<AistackClient> {
    return this.connection();
  }

  /** Every token this shim has held, so output can be scrubbed of them. */
  secrets(): string[] {
    return [...this.tokens];
  }

  /** What happened to the session since the last result (reconnects, new sessions). */
  takeNotes(): string[] {
    return this.notes.splice(0);
  }

  get current(): { id: string; owned: boolean } | undefined {
    return this.creds && { id: this.creds.sessionId, owned: this.owned };
  }

  /** The connection, reconnecting if it dropped; never opens a session. */
  private connection(): Promise<AistackClient> {
    if (this.closing) return Promise.reject(new ShimClosedError());
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
        if (this.creds) this.verify = true;
      }
      return client;
    })().finally(() => (this.connecting = undefined));
    return this.connecting;
  }

  /** The connection and a usable session, opening or re-opening one as needed. */
  ensure(start?: StartParams): Promise<Live> {
    if (this.closing) return Promise.reject(new ShimClosedError());
    if (this.client && !this.client.closed && this.creds && !this.verify)
      return Promise.resolve({ client: this.client, creds: this.creds });
    this.establishing ??= this.establish(start).finally(() => (this.establishing = undefined));
    return this.establishing;
  }

  private async establish(start?: StartParams): Promise<Live> {
    const client = await this.connection();
    if (this.creds && this.verify) {
      this.verify = false;
      if (await this.isActive(client, this.creds)) {
        this.notes.push(
          'Reconnected to the aistack daemon (it restarted or the connection dropped); this session and its entries are intact.',
        );
      } else {
        this.forget(
          "The aistack daemon restarted and this connection's previous session is no longer there, so its private entries are gone",
        );
      }
    }
    if (this.creds) return { client, creds: this.creds };
    if (this.join) {
      const join = this.join;
      if (!(await this.isActive(client, join))) throw new SessionJoinError(join.sessionId);
      this.join = undefined;
      this.creds = join;
      this.owned = false;
      this.options.log(`joined session ${join.sessionId}`);
      return { client, creds: join };
    }
    const project = (await this.project?.get()) ?? null;
    const { session } = await client.call(
      'session.start',
      {
        ...(project && { project }),
        metadata: { ...start?.metadata, ...this.metadata },
        ...((start?.idleTimeoutMinutes ?? this.options.idleTimeoutMinutes) !== undefined && {
          idleTimeoutMinutes: start?.idleTimeoutMinutes ?? this.options.idleTimeoutMinutes,
        }),
      },
      this.options.callTimeoutMs,
    );
    this.tokens.add(session.token);
    this.creds = { sessionId: session.id, sessionToken: session.token };
    this.owned = true;
    this.options.log(
      `opened session ${session.id} for ${String(this.metadata.client)}${session.project ? ` in project ${session.project.namespace}` : ''}`,
    );
    if (this.reopenReason) {
      this.notes.push(
        `${this.reopenReason}. Started a new session; its private namespace is ${session.namespace}.`,
      );
      this.reopenReason = undefined;
    }
    return { client, creds: this.creds };
  }

  private async isActive(client: AistackClient, creds: SessionCreds): Promise<boolean> {
    try {
      await client.call('session.status', creds, this.options.callTimeoutMs);
      return true;
    } catch (err) {
      if (isSessionInvalid(err)) return false;
      throw err;
    }
  }

  private forget(reason: string): void {
    if (this.creds) this.options.log(`session ${this.creds.sessionId} is no longer active`);
    this.creds = undefined;
    this.owned = false;
    this.verify = false;
    this.reopenReason = reason;
  }

  /**
   * Calls a method, with this session's credentials when `withSession`. A call refused
   * because the session ended (idle cleanup, ended by the user) opens a fresh session
   * and is retried once: the daemon checks the session before doing anything, so the
   * refused call had no effect.
   */
  async call(
    method: string,
    params: Record<string, unknown>,
    withSession: boolean,
  ): Promise<unknown> {
    // A call with its own limit (a task run's `timeoutMs`) gets the daemon's answer to
    // it, not a shorter one from here.
    const own = typeof params.timeoutMs === 'number' ? params.timeoutMs + 30_000 : 0;
    const limit = Math.max(this.options.callTimeoutMs, own);
    const send = ({ client, creds }: Live) =>
      client.call(
        method as MethodName,
        (withSession ? { ...params, ...creds } : params) as never,
        limit,
      );
    const live = await this.ensure();
    try {
      return await send(live);
    } catch (err) {
      if (!withSession || !isSessionInvalid(err)) throw err;
      if (this.creds?.sessionId === live.creds.sessionId)
        this.forget(
          "This connection's previous session had ended (idle timeout, or ended outside this connection), so its private entries are gone",
        );
      return send(await this.ensure());
    }
  }

  /** `session_start`: the current session, or a fresh one (with these params) if none. */
  async start(params: StartParams): Promise<{ started: boolean; session: SessionInfo }> {
    const before = this.creds?.sessionId;
    const live = await this.ensure(params);
    const started = live.creds.sessionId !== before;
    const { session } = await live.client.call(
      'session.status',
      live.creds,
      this.options.callTimeoutMs,
    );
    return { started, session };
  }

  /** `session_status`: this connection's session, opening one if none is active. */
  async status(): Promise<{ session: SessionInfo }> {
    return (await this.call('session.status', {}, true)) as { session: SessionInfo };
  }

  /** `session_active`: whether a session is active now; never opens one. */
  async active(): Promise<{ active: boolean; session: SessionInfo | null }> {
    // A session still being opened (bound after the client listed its roots) is waited for.
    if (!this.creds && this.establishing) await this.establishing.catch(() => undefined);
    if (!this.creds) return { active: false, session: null };
    const client = await this.connection();
    const creds = this.creds;
    try {
      const { session } = await client.call('session.status', creds, this.options.callTimeoutMs);
      if (this.verify) {
        this.verify = false;
        this.notes.push(
          'Reconnected to the aistack daemon; this session and its entries are intact.',
        );
      }
      return { active: true, session };
    } catch (err) {
      if (!isSessionInvalid(err)) throw err;
      if (this.creds?.sessionId === creds.sessionId)
        this.forget(
          "This connection's previous session had ended, so its private entries are gone",
        );
      return { active: false, session: null };
    }
  }

  /** `session_end`: ends this connection's session; the next call opens a fresh one. */
  async end(): Promise<ResultOf<'session.end'> | { ended: false; reason: string }> {
    if (!this.creds && !this.join) return { ended: false, reason: 'no session is active' };
    const live = await this.ensure();
    try {
      const result = await live.client.call('session.end', live.creds, this.options.callTimeoutMs);
      this.options.log(`session ${live.creds.sessionId} ended by the model`);
      return result;
    } finally {
      if (this.creds?.sessionId === live.creds.sessionId)
        this.forget('The previous session was ended with session_end');
    }
  }

  /**
   * Ends the session if this shim opened it (and `--keep-session` was not given), then
   * closes the connection. Waits for a session that is being opened, so none is left
   * behind by a client that disconnects right after initializing.
   */
  async close(): Promise<void> {
    if (this.closing) return;
    const pending = this.establishing;
    this.closing = true;
    // Bounded: a daemon still being started must not keep a departing shim around.
    await Promise.race([
      pending?.catch(() => undefined),
      new Promise((r) => setTimeout(r, CLOSE_WAIT_MS).unref()),
    ]);
    const { client, creds } = this;
    if (creds && (!this.owned || this.options.keep)) {
      this.options.log(`leaving session ${creds.sessionId} active`);
    } else if (creds && client && !client.closed) {
      try {
        // Short: the MCP client sends SIGTERM two seconds after closing stdin.
        const r = await client.call(
          'session.end',
          creds,
          Math.min(this.options.callTimeoutMs, 1500),
        );
        this.options.log(`ended session ${creds.sessionId} (${r.deletedEntries} entries deleted)`);
      } catch (err) {
        this.options.log(`could not end session ${creds.sessionId}: ${(err as Error).message}`);
      }
    } else if (creds) {
      this.options.log(
        `daemon unreachable; session ${creds.sessionId} will be ended by the idle cleanup`,
      );
    }
    client?.close();
  }
}
