/**
 * One MCP connection's aistack session over any `Caller`: opened when the connection
 * initializes (named after the MCP client), its credentials added to the calls that take
 * them, ended when the connection closes. MCP over HTTP uses it inside the daemon; it
 * needs none of the stdio shim's reconnect logic, since the daemon cannot go away under
 * its own connections.
 *
 * A session ended behind the connection's back (the idle cleanup job, `session end
 * --force`, the model's session_end) is replaced by a fresh one on the next call, and the
 * model is told once, through `takeNotes()`. The token stays in this object: it is sent
 * to the daemon and nowhere else, and `secrets()` lets every output be scrubbed of it.
 */
import type { SessionInfo } from '../protocol/session.js';
import type { ResultOf } from '../protocol/table.js';
import { isCallFailure, type Caller, type StartParams, type ToolSession } from './caller.js';

interface Creds {
  sessionId: string;
  sessionToken: string;
}

export interface CallerSessionOptions {
  caller: Caller;
  /** Metadata recorded with every session opened (client name, how it connected). */
  metadata: () => Record<string, unknown>;
  log(message: string): void;
}

const isSessionInvalid = (err: unknown) => isCallFailure(err) && err.code === 'SESSION_INVALID';

export class CallerSession implements ToolSession {
  private creds: Creds | undefined;
  private opening: Promise<Creds> | undefined;
  private reopenReason: string | undefined;
  private readonly notes: string[] = [];
  private readonly tokens = new Set<string>();
  private closed = false;

  constructor(private readonly options: CallerSessionOptions) {}

  /** Every token this session object has held, so output can be scrubbed of them. */
  secrets(): string[] {
    return [...this.tokens];
  }

  takeNotes(): string[] {
    return this.notes.splice(0);
  }

  /** The session's public id, when one is open. */
  get id(): string | undefined {
    return this.creds?.sessionId;
  }

  /** The credentials of the session, opening one when none is held. */
  ensure(start?: StartParams): Promise<Creds> {
    if (this.closed) return Promise.reject(new Error('this MCP session has closed'));
    if (this.creds) return Promise.resolve(this.creds);
    this.opening ??= this.open(start).finally(() => (this.opening = undefined));
    return this.opening;
  }

  private async open(start?: StartParams): Promise<Creds> {
    const idle = start?.idleTimeoutMinutes;
    const { session } = (await this.options.caller.call('session.start', {
      metadata: { ...start?.metadata, ...this.options.metadata() },
      ...(idle !== undefined && { idleTimeoutMinutes: idle }),
    })) as ResultOf<'session.start'>;
    this.tokens.add(session.token);
    this.creds = { sessionId: session.id, sessionToken: session.token };
    this.options.log(`opened session ${session.id}`);
    if (this.reopenReason) {
      this.notes.push(
        `${this.reopenReason}. Started a new session; its private namespace is ${session.namespace}.`,
      );
      this.reopenReason = undefined;
    }
    return this.creds;
  }

  private forget(sessionId: string, reason: string): void {
    if (this.creds?.sessionId !== sessionId) return;
    this.options.log(`session ${sessionId} is no longer active`);
    this.creds = undefined;
    this.reopenReason = reason;
  }

  /**
   * A call refused because the session ended opens a fresh session and is retried once:
   * the daemon checks the session before doing anything, so the refused call had no effect.
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
    const creds = this.creds;
    if (!creds) return { active: false, session: null };
    try {
      const { session } = (await this.options.caller.call('session.status', {
        ...creds,
      })) as ResultOf<'session.status'>;
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
    const creds = this.creds;
    if (!creds) return { ended: false, reason: 'no session is active' };
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
   * Ends the session (waiting for one being opened, so none is left behind) and refuses
   * further calls; safe to call twice. Resolves with the entries deleted, or undefined.
   */
  async close(): Promise<number | undefined> {
    if (this.closed) return undefined;
    this.closed = true;
    const creds = this.creds ?? (await this.opening?.catch(() => undefined));
    this.creds = undefined;
    if (!creds) return undefined;
    try {
      const r = (await this.options.caller.call('session.end', {
        ...creds,
      })) as ResultOf<'session.end'>;
      this.options.log(`ended session ${creds.sessionId} (${r.deletedEntries} entries deleted)`);
      return r.deletedEntries;
    } catch (err) {
      // Already ended (idle cleanup, forced): nothing is left to do.
      if (!isSessionInvalid(err))
        this.options.log(`could not end session ${creds.sessionId}: ${(err as Error).message}`);
      return undefined;
    }
  }
}
