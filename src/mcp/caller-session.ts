/**
 * One MCP connection's aistack session over any `Caller`, shared by both transports:
 * the stdio shim (clients/mcp/session.ts adds the socket, reconnects and autostart) and
 * MCP over HTTP inside the daemon (daemon/mcp-http). It opens the session (named after
 * the MCP client, bound to the client's project), adds its credentials to the calls that
 * take them, and ends it when the connection closes — unless it was joined or kept.
 *
 * A session ended behind the connection's back (the idle cleanup job, `session end
 * --force`, the model's session_end, a daemon restart with another database) is replaced
 * by a fresh one on the next call, bound to the same project, and the model is told
 * once, through `takeNotes()`. The token stays in this object: it is sent to the daemon
 * and nowhere else, and `secrets()` lets every output be scrubbed of it.
 */
import type { ProjectRef } from '../protocol/project.js';
import type { SessionInfo } from '../protocol/session.js';
import type { ResultOf } from '../protocol/table.js';
import {
  isCallFailure,
  SessionClosedError,
  type CallerSessionOptions,
  type SessionCreds,
  type StartParams,
  type ToolSession,
} from './caller.js';

export { SessionClosedError, type SessionCreds };
import { ProjectBinding } from './project-root.js';

const isSessionInvalid = (err: unknown) => isCallFailure(err) && err.code === 'SESSION_INVALID';
const cap = (v: unknown) => (typeof v === 'string' ? v.slice(0, 100) : undefined);

export class CallerSession implements ToolSession {
  private creds: SessionCreds | undefined;
  /** This connection opened the session (a joined one is left to its owner). */
  private owned = false;
  private join: CallerSessionOptions['join'];
  /** The transport was replaced while holding a session: check it before the next use. */
  private verify = false;
  private establishing: Promise<SessionCreds> | undefined;
  /** Why the next session opened is a new one; told to the model once it is open. */
  private reopenReason: string | undefined;
  private readonly notes: string[] = [];
  private readonly tokens = new Set<string>();
  private closed = false;
  private metadata: Record<string, unknown>;
  /** The project every session opened here is bound to (none until bindProject). */
  private project: ProjectBinding | undefined;

  constructor(private readonly options: CallerSessionOptions) {
    this.join = options.join;
    if (options.join) this.tokens.add(options.join.creds.sessionToken);
    this.metadata = { client: 'mcp-client', via: options.via, ...options.metadata };
  }

  /** Session metadata from the MCP client's `initialize` (its name and version). */
  setClientInfo(info: { name?: unknown; version?: unknown } | undefined): void {
    if (!info) return;
    this.metadata = {
      client: cap(info.name) || 'mcp-client',
      clientVersion: cap(info.version) ?? null,
      via: this.options.via,
      ...this.options.metadata,
    };
  }

  /**
   * Says which project the sessions opened here are bound to; asked once, when the
   * first session opens (a source that fails or names nothing valid: no project).
   */
  bindProject(source: () => Promise<ProjectRef | undefined>): void {
    this.project = new ProjectBinding(source, this.options.log);
  }

  /** The transport is a new connection: check the session (if any) before its next use. */
  suspect(): void {
    if (this.creds) this.verify = true;
  }

  /** Every token this session object has held, so output can be scrubbed of them. */
  secrets(): string[] {
    return [...this.tokens];
  }

  /** What happened to the session since the last result (reconnects, new sessions). */
  takeNotes(): string[] {
    return this.notes.splice(0);
  }

  /** The session's public id, when one is open. */
  get id(): string | undefined {
    return this.creds?.sessionId;
  }

  private get up(): boolean {
    return this.options.connected?.() ?? true;
  }

  /** The credentials of a usable session, opening (or re-opening) one as needed. */
  ensure(start?: StartParams): Promise<SessionCreds> {
    if (this.closed) return Promise.reject(this.closedError());
    if (this.creds && !this.verify && this.up) return Promise.resolve(this.creds);
    this.establishing ??= this.establish(start).finally(() => (this.establishing = undefined));
    return this.establishing;
  }

  private closedError(): Error {
    return new SessionClosedError(this.options.closedMessage ?? 'this MCP connection has closed');
  }

  private async establish(start?: StartParams): Promise<SessionCreds> {
    await this.options.connect?.();
    if (this.creds && this.verify) {
      this.verify = false;
      if (await this.isActive(this.creds)) {
        this.notes.push(
          'Reconnected to the aistack daemon (it restarted or the connection dropped); this session and its entries are intact.',
        );
      } else {
        this.forget(
          this.creds.sessionId,
          "The aistack daemon restarted and this connection's previous session is no longer there, so its private entries are gone",
        );
      }
    }
    if (this.creds) return this.creds;
    if (this.join) {
      const { creds, refused } = this.join;
      if (!(await this.isActive(creds))) throw refused();
      this.join = undefined;
      this.creds = creds;
      this.owned = false;
      this.options.log(`joined session ${creds.sessionId}`);
      return creds;
    }
    return this.open(start);
  }

  private async open(start?: StartParams): Promise<SessionCreds> {
    const project = (await this.project?.get()) ?? null;
    const idle = start?.idleTimeoutMinutes ?? this.options.idleTimeoutMinutes?.();
    const { session } = (await this.options.caller.call('session.start', {
      ...(project && { project }),
      metadata: { ...start?.metadata, ...this.metadata },
      ...(idle !== undefined && { idleTimeoutMinutes: idle }),
    })) as ResultOf<'session.start'>;
    this.tokens.add(session.token);
    this.creds = { sessionId: session.id, sessionToken: session.token };
    this.owned = true;
    const where = session.project ? ` in project ${session.project.namespace}` : '';
    this.options.log(`opened session ${session.id} for ${String(this.metadata.client)}${where}`);
    if (this.reopenReason) {
      this.notes.push(
        `${this.reopenReason}. Started a new session; its private namespace is ${session.namespace}.`,
      );
      this.reopenReason = undefined;
    }
    return this.creds;
  }

  private async isActive(creds: SessionCreds): Promise<boolean> {
    try {
      await this.options.caller.call('session.status', { ...creds });
      return true;
    } catch (err) {
      if (isSessionInvalid(err)) return false;
      throw err;
    }
  }

  private forget(sessionId: string, reason: string): void {
    if (this.creds?.sessionId !== sessionId) return;
    this.options.log(`session ${sessionId} is no longer active`);
    this.creds = undefined;
    this.owned = false;
    this.verify = false;
    this.reopenReason = reason;
  }

  /**
   * Calls a method, with the session's credentials when `withSession`. A call refused
   * because the session ended opens a fresh session and is retried once: the daemon
   * checks the session before doing anything, so the refused call had no effect.
   */
  async call(
    method: string,
    params: Record<string, unknown>,
    withSession: boolean,
  ): Promise<unknown> {
    if (!withSession) return this.options.caller.call(method, params);
    const creds = await this.ensure();
    try {
      return await this.options.caller.call(method, { ...params, ...creds });
    } catch (err) {
      if (!isSessionInvalid(err)) throw err;
      this.forget(
        creds.sessionId,
        "This connection's previous session had ended (idle timeout, or ended outside this connection), so its private entries are gone",
      );
      return this.options.caller.call(method, { ...params, ...(await this.ensure()) });
    }
  }

  async start(params: StartParams): Promise<{ started: boolean; session: SessionInfo }> {
    const before = this.creds?.sessionId;
    const creds = await this.ensure(params);
    const { session } = (await this.options.caller.call('session.status', {
      ...creds,
    })) as ResultOf<'session.status'>;
    return { started: creds.sessionId !== before, session };
  }

  async status(): Promise<{ session: SessionInfo }> {
    return (await this.call('session.status', {}, true)) as { session: SessionInfo };
  }

  async active(): Promise<{ active: boolean; session: SessionInfo | null }> {
    // A session still being opened (bound after the client listed its roots) is waited for.
    if (!this.creds && this.establishing) await this.establishing.catch(() => undefined);
    const creds = this.creds;
    if (!creds) return { active: false, session: null };
    await this.options.connect?.();
    try {
      const { session } = (await this.options.caller.call('session.status', {
        ...creds,
      })) as ResultOf<'session.status'>;
      if (this.verify) {
        this.verify = false;
        this.notes.push(
          'Reconnected to the aistack daemon; this session and its entries are intact.',
        );
      }
      return { active: true, session };
    } catch (err) {
      if (!isSessionInvalid(err)) throw err;
      this.forget(
        creds.sessionId,
        "This connection's previous session had ended, so its private entries are gone",
      );
      return { active: false, session: null };
    }
  }

  async end(): Promise<ResultOf<'session.end'> | { ended: false; reason: string }> {
    if (!this.creds && !this.join) return { ended: false, reason: 'no session is active' };
    const creds = await this.ensure();
    try {
      const result = (await this.options.caller.call('session.end', {
        ...creds,
      })) as ResultOf<'session.end'>;
      this.options.log(`session ${creds.sessionId} ended by the model`);
      return result;
    } finally {
      this.forget(creds.sessionId, 'The previous session was ended with session_end');
    }
  }

  /**
   * Ends the session if this connection opened it (and was not asked to keep it), and
   * refuses further calls; safe to call twice. Waits for a session being opened, so none
   * is left behind by a client that leaves right after initializing. Resolves with the
   * entries deleted, or undefined when none was ended.
   */
  async close(): Promise<number | undefined> {
    if (this.closed) return undefined;
    this.closed = true;
    const pending = this.establishing?.catch(() => undefined);
    const wait = this.options.closeWaitMs;
    await (wait === undefined
      ? pending
      : Promise.race([pending, new Promise((r) => setTimeout(r, wait).unref())]));
    const creds = this.creds;
    this.creds = undefined;
    if (!creds) return undefined;
    const id = creds.sessionId;
    if (!this.owned || this.options.keep) {
      this.options.log(`leaving session ${id} active`);
      return undefined;
    }
    if (!this.up) {
      this.options.log(`daemon unreachable; session ${id} will be ended by the idle cleanup`);
      return undefined;
    }
    try {
      const r = (await this.options.caller.call(
        'session.end',
        { ...creds },
        this.options.closeTimeoutMs,
      )) as ResultOf<'session.end'>;
      this.options.log(`ended session ${id} (${r.deletedEntries} entries deleted)`);
      return r.deletedEntries;
    } catch (err) {
      // Already ended (idle cleanup, forced): nothing is left to do.
      if (!isSessionInvalid(err))
        this.options.log(`could not end session ${id}: ${(err as Error).message}`);
      return undefined;
    }
  }
}
