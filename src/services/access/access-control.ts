/**
 * Access control: the one place that decides what a caller may touch. Every memory
 * path — get, store, delete, search, list, namespaces, and the vector paths — asks this
 * module for the caller and for a Scope, and the store applies the Scope in SQL, so no
 * query can return a row the caller may not see.
 *
 * The rules:
 * - a session owns `session:<id>`: only it reads or writes there;
 * - a project's namespace `project:<slug>` is read and written by the sessions bound to
 *   that project, and by the owner (a caller whose token holds `admin` and whose session,
 *   if any, is bound to no project: the CLI, the dashboard); nobody else;
 * - every other namespace is shared.
 * Reads without a session see shared namespaces (plus every project's, for the owner).
 * Writes and deletes need a session; without a namespace they land in the session's
 * project, or in the session namespace when it has none (or asks for `scope: "session"`).
 * Touching another session's or project's namespace, a wrong token, or an ended session
 * is refused with its own error code and audited (who, what, which namespace — never the
 * token); a refused project access names the project the session is bound to.
 */
import { AppError } from '../../core/errors.js';
import {
  isProjectNamespace,
  isSessionNamespace,
  type Scope,
} from '../../store/memory/memory-scope.js';
import type { AuditSink } from '../audit/audit-sink.js';
import type { BoundProject } from './projects.js';
import { sessionNamespace, type SessionService } from './sessions.js';

export { isSessionNamespace } from '../../store/memory/memory-scope.js';

export interface Credentials {
  sessionId?: string | undefined;
  sessionToken?: string | undefined;
}

/** Who is asking: a session (maybe bound to a project), or nobody in particular. */
export interface Caller {
  sessionId: string | undefined;
  ownNamespace: string | undefined;
  /** The project its session is bound to. */
  project?: BoundProject | undefined;
  /** The owner's view: every project namespace (admin scope, and no project bound). */
  owner?: boolean | undefined;
}

/** What the request is, for refusal records, and whether its token holds `admin`. */
export interface Operation {
  method: string;
  connection: number;
  /** The connection's token holds the `admin` scope (the owner's tools). */
  admin?: boolean | undefined;
}

export const ANONYMOUS: Caller = Object.freeze({ sessionId: undefined, ownNamespace: undefined });
/** The owner's tools without a session: anonymous, seeing every project (one object, not one per read). */
const OWNER: Caller = Object.freeze({ ...ANONYMOUS, owner: true });

/** Where a write without a namespace goes: the session's project (default) or the session. */
export type WriteScope = 'project' | 'session';

export class AccessControl {
  constructor(
    private readonly sessions: SessionService,
    private readonly audit: AuditSink,
  ) {}

  /** The caller behind the credentials; anonymous when none are given. */
  caller(creds: Credentials, op: Operation): Caller {
    const { sessionId, sessionToken } = creds;
    if (sessionId === undefined && sessionToken === undefined) {
      return op.admin ? OWNER : ANONYMOUS;
    }
    if (sessionId === undefined || sessionToken === undefined) {
      this.refuseSession(op, sessionId, 'incomplete');
    }
    const problem = this.sessions.check(sessionId!, sessionToken!);
    if (problem) this.refuseSession(op, sessionId!, problem);
    const project = this.sessions.projectOf(sessionId!);
    // A session bound to a project sees that project only, whatever its token holds.
    return {
      sessionId,
      ownNamespace: sessionNamespace(sessionId!),
      project,
      owner: project === undefined && op.admin === true,
    };
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

  /** Whether a session is active now (never counted as its activity, never audited). */
  sessionActive(sessionId: string): boolean {
    return this.sessions.isActive(sessionId);
  }

  /** Whether the caller may touch `namespace` at all. */
  allows(caller: Caller, namespace: string): boolean {
    if (isSessionNamespace(namespace)) return namespace === caller.ownNamespace;
    if (isProjectNamespace(namespace))
      return namespace === caller.project?.namespace || caller.owner === true;
    return true;
  }

  /** Throws ACCESS_DENIED (audited) unless the caller may touch `namespace`. */
  assertNamespace(caller: Caller, namespace: string, op: Operation): void {
    if (this.allows(caller, namespace)) return;
    const project = caller.project;
    this.audit.record('access.denied', {
      method: op.method,
      connection: op.connection,
      sessionId: caller.sessionId ?? null,
      namespace,
      ...(isProjectNamespace(namespace) && { project: project?.slug ?? null }),
    });
    if (isSessionNamespace(namespace)) {
      throw new AppError(
        'ACCESS_DENIED',
        `access denied: namespace ${namespace} belongs to another session`,
        { namespace },
      );
    }
    const why = project
      ? `belongs to another project; this session is bound to project "${project.name}" (${project.namespace})`
      : 'belongs to a project; only sessions bound to that project (and the owner) may use it';
    throw new AppError('ACCESS_DENIED', `access denied: namespace ${namespace} ${why}`, {
      namespace,
      boundProject: project?.slug ?? null,
    });
  }

  /**
   * The Scope for a read: the named namespace if allowed, else shared plus the caller's
   * own session's and project's (every project's for the owner).
   */
  readScope(caller: Caller, namespace: string | undefined, op: Operation): Scope {
    const readable: Scope = {
      ownNamespace: caller.ownNamespace,
      projectNamespace: caller.project?.namespace,
      allProjects: caller.owner === true || undefined,
    };
    if (namespace === undefined) return readable;
    this.assertNamespace(caller, namespace, op);
    return { namespace, ...readable };
  }

  /**
   * The namespace a write or delete lands in: the named one if allowed, else the
   * session's project (unless `scope` is "session"), else the session's own.
   */
  writeNamespace(
    caller: Caller & { ownNamespace: string },
    namespace: string | undefined,
    op: Operation,
    scope: WriteScope = 'project',
  ): string {
    const ns =
      namespace ??
      (scope === 'project' && caller.project ? caller.project.namespace : caller.ownNamespace);
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
