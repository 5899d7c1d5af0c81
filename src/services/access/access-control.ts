/**
 * Access control: the one place that decides what a caller may touch. Every memory
 * path — get, store, delete, search, list, namespaces, and the vector paths later —
 * asks this module for the caller and for a Scope, and the store applies the Scope in
 * SQL, so no query can return a row the caller may not see.
 *
 * The rules: a session owns `session:<id>`; any namespace not starting with `session:`
 * is shared. Reads without a session see shared namespaces only. Writes and deletes
 * need a session. Touching another session's namespace, a wrong token, or an ended
 * session is refused with its own error code and audited (who, what, which namespace —
 * never the token).
 */
import { AppError } from '../../core/errors.js';
import type { Scope } from '../../store/memory/memory-store.js';
import type { AuditSink } from '../audit/audit-sink.js';
import { SESSION_PREFIX, sessionNamespace, type SessionService } from './sessions.js';

export interface Credentials {
  sessionId?: string | undefined;
  sessionToken?: string | undefined;
}

/** Who is asking: a session, or nobody in particular. */
export interface Caller {
  sessionId: string | undefined;
  ownNamespace: string | undefined;
}

/** What the request is, for refusal records. */
export interface Operation {
  method: string;
  connection: number;
}

export const ANONYMOUS: Caller = { sessionId: undefined, ownNamespace: undefined };

export const isSessionNamespace = (ns: string) => ns.startsWith(SESSION_PREFIX);

export class AccessControl {
  constructor(
    private readonly sessions: SessionService,
    private readonly audit: AuditSink,
  ) {}

  /** The caller behind the credentials; anonymous when none are given. */
  caller(creds: Credentials, op: Operation): Caller {
    const { sessionId, sessionToken } = creds;
    if (sessionId === undefined && sessionToken === undefined) return ANONYMOUS;
    if (sessionId === undefined || sessionToken === undefined) {
      this.refuseSession(op, sessionId, 'incomplete');
    }
    const problem = this.sessions.check(sessionId!, sessionToken!);
    if (problem) this.refuseSession(op, sessionId!, problem);
    return { sessionId, ownNamespace: sessionNamespace(sessionId!) };
  }

  /** Like `caller`, but a session is required. */
  sessionCaller(
    creds: Credentials,
    op: Operation,
  ): Caller & { sessionId: string; ownNamespace: string } {
    const caller = this.caller(creds, op);
    if (!caller.sessionId) {
      throw new AppError(
        'SESSION_REQUIRED',
        `${op.method} needs a session: pass sessionId and sessionToken from session.start`,
      );
    }
    return caller as Caller & { sessionId: string; ownNamespace: string };
  }

  /** Throws ACCESS_DENIED (audited) unless the caller may touch `namespace`. */
  assertNamespace(caller: Caller, namespace: string, op: Operation): void {
    if (!isSessionNamespace(namespace) || namespace === caller.ownNamespace) return;
    this.audit.record('access.denied', {
      method: op.method,
      connection: op.connection,
      sessionId: caller.sessionId ?? null,
      namespace,
    });
    throw new AppError(
      'ACCESS_DENIED',
      `access denied: namespace ${namespace} belongs to another session`,
      {
        namespace,
      },
    );
  }

  /** The Scope for a read: the named namespace if allowed, else shared plus the caller's own. */
  readScope(caller: Caller, namespace: string | undefined, op: Operation): Scope {
    if (namespace !== undefined) {
      this.assertNamespace(caller, namespace, op);
      return { namespace, ownNamespace: caller.ownNamespace };
    }
    return { ownNamespace: caller.ownNamespace };
  }

  /** The namespace a write or delete lands in: the named one if allowed, else the session's own. */
  writeNamespace(
    caller: Caller & { ownNamespace: string },
    namespace: string | undefined,
    op: Operation,
  ): string {
    const ns = namespace ?? caller.ownNamespace;
    this.assertNamespace(caller, ns, op);
    return ns;
  }

  private refuseSession(op: Operation, sessionId: string | undefined, reason: string): never {
    this.audit.record('session.refused', {
      method: op.method,
      connection: op.connection,
      sessionId: sessionId ?? null,
      reason,
    });
    const why =
      reason === 'ended'
        ? 'the session has ended'
        : reason === 'incomplete'
          ? 'sessionId and sessionToken must be given together'
          : 'unknown session or wrong token';
    // Unknown id and wrong token read the same on the wire, so ids cannot be probed.
    const shown = reason === 'ended' || reason === 'incomplete' ? reason : 'invalid';
    throw new AppError('SESSION_INVALID', `invalid session: ${why}`, { reason: shown });
  }
}
