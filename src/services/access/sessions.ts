/**
 * Sessions: who a caller is. `start` mints a public id and a secret token (256 random
 * bits, shown once, stored as a SHA-256); `authenticate` checks both in constant time.
 * Ending a session — by its owner, by force, or by the idle job — deletes its namespace
 * in one transaction with marking it ended, tells end hooks (agents, tasks) and writes
 * one audit record with the counts.
 *
 * A session may be bound to one project when it starts (projects.ts); the binding is
 * fixed for the session's life and decides which project namespace it may touch.
 *
 * Last activity is kept in memory on the hot path and written to the database at most
 * every few seconds, so a read-heavy session does not turn every get into a write.
 */
import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import type Database from 'better-sqlite3';
import { AppError } from '../../core/errors.js';
import type { MemoryStore } from '../../store/memory/memory-store.js';
import { SessionStore, type SessionRow } from '../../store/sessions/session-store.js';
import type { ProjectRef } from '../../protocol/project.js';
import type { EndReason } from '../../protocol/session.js';
import type { AuditSink } from '../audit/audit-sink.js';
import type { BoundProject, ProjectService } from './projects.js';

export const SESSION_PREFIX = 'session:';
export const sessionNamespace = (id: string) => `${SESSION_PREFIX}${id}`;

const hashToken = (token: string) => createHash('sha256').update(token).digest();

export interface SessionInfo {
  id: string;
  namespace: string;
  metadata: Record<string, unknown>;
  startedAt: string;
  lastActivityAt: string;
  idleTimeoutMinutes: number;
  endedAt: string | null;
  endReason: EndReason | null;
  project: BoundProject | null;
}

/** Told when a session ends, inside its transaction; returns how many agents it stopped. */
export type SessionEndHook = (
  sessionId: string,
) => { stoppedAgents?: number; cancelledTasks?: number } | void;

interface Cached {
  tokenHash: Buffer;
  /** The slug of the project it is bound to. */
  project: string | null;
  ended: boolean;
  idleTimeoutMs: number;
  lastActivity: number;
  dirty: boolean;
}

export class SessionService {
  private readonly store: SessionStore;
  private readonly cache = new Map<string, Cached>();
  private readonly endHooks: SessionEndHook[] = [];
  private flushTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly db: Database.Database,
    private readonly memory: MemoryStore,
    private readonly audit: AuditSink,
    private readonly projects: ProjectService,
    private readonly options: {
      /** Read at each session start, so a config reload applies to the sessions after it. */
      defaultIdleTimeoutMinutes: () => number;
      now?: () => number;
    },
  ) {
    this.store = new SessionStore(db);
    this.flushTimer = setInterval(() => this.flush(), 5000);
    this.flushTimer.unref();
  }

  private now(): number {
    return (this.options.now ?? Date.now)();
  }

  onEnd(hook: SessionEndHook): void {
    this.endHooks.push(hook);
  }

  start(
    params: {
      metadata?: Record<string, unknown>;
      idleTimeoutMinutes?: number;
      project?: ProjectRef | undefined;
    },
    connection?: number,
  ) {
    const project = params.project ? this.projects.resolve(params.project, connection) : null;
    const id = randomUUID();
    const token = `ast_${randomBytes(32).toString('base64url')}`;
    const at = this.now();
    const idleTimeoutMs = Math.round(
      (params.idleTimeoutMinutes ?? this.options.defaultIdleTimeoutMinutes()) * 60_000,
    );
    const tokenHash = hashToken(token);
    this.store.insert({
      id,
      token_hash: tokenHash.toString('hex'),
      metadata: JSON.stringify(params.metadata ?? {}),
      idle_timeout_ms: idleTimeoutMs,
      started_at: at,
      last_activity_at: at,
      project: project?.slug ?? null,
    });
    this.cache.set(id, {
      tokenHash,
      project: project?.slug ?? null,
      ended: false,
      idleTimeoutMs,
      lastActivity: at,
      dirty: false,
    });
    this.audit.record('session.start', {
      sessionId: id,
      connection,
      client: params.metadata?.client ?? null,
      project: project?.slug ?? null,
    });
    return {
      session: {
        id,
        token,
        namespace: sessionNamespace(id),
        startedAt: new Date(at).toISOString(),
        project,
      },
    };
  }

  private load(id: string): Cached | undefined {
    let cached = this.cache.get(id);
    if (!cached) {
      const row = this.store.get(id);
      if (!row) return undefined;
      cached = {
        tokenHash: Buffer.from(row.token_hash, 'hex'),
        project: row.project,
        ended: row.ended_at !== null,
        idleTimeoutMs: row.idle_timeout_ms,
        lastActivity: row.last_activity_at,
        dirty: false,
      };
      this.cache.set(id, cached);
    }
    return cached;
  }

  /**
   * Checks id and token; returns the reason for refusal, or null when valid. Never
   * throws and never audits: the access-control module decides how to refuse.
   */
  check(id: string, token: string): 'unknown' | 'ended' | 'bad_token' | null {
    const cached = this.load(id);
    if (!cached) return 'unknown';
    const given = hashToken(token);
    if (!timingSafeEqual(given, cached.tokenHash)) return 'bad_token';
    if (cached.ended) return 'ended';
    cached.lastActivity = this.now();
    cached.dirty = true;
    return null;
  }

  /** Whether a session is active now; unlike `check`, it does not count as activity. */
  isActive(id: string): boolean {
    const cached = this.load(id);
    return cached !== undefined && !cached.ended;
  }

  /** The project a session (already checked) is bound to, if any. */
  projectOf(id: string): BoundProject | undefined {
    const slug = this.load(id)?.project;
    return slug ? this.projects.bySlug(slug) : undefined;
  }

  /** Ends a session: entries deleted, hooks told, token invalidated, one audit record. */
  end(id: string, reason: EndReason, by: { connection?: number } = {}) {
    const cached = this.load(id);
    if (!cached || cached.ended)
      throw new AppError('SESSION_INVALID', `session ${id} is not active`);
    const at = this.now();
    let stoppedAgents = 0;
    let cancelledTasks = 0;
    const deletedEntries = this.db.transaction(() => {
      const deleted = this.memory.deleteNamespace(sessionNamespace(id));
      for (const hook of this.endHooks) {
        const r = hook(id);
        stoppedAgents += r?.stoppedAgents ?? 0;
        cancelledTasks += r?.cancelledTasks ?? 0;
      }
      this.store.touch(id, cached.lastActivity);
      this.store.end(id, at, reason);
      return deleted;
    })();
    this.cache.delete(id);
    this.audit.record('session.end', {
      sessionId: id,
      reason,
      deletedEntries,
      stoppedAgents,
      cancelledTasks,
      connection: by.connection,
    });
    return {
      ended: true as const,
      sessionId: id,
      reason,
      deletedEntries,
      stoppedAgents,
      cancelledTasks,
    };
  }

  info(id: string): SessionInfo & { entries: number } {
    this.flush();
    const row = this.store.get(id);
    if (!row) throw new AppError('SESSION_INVALID', `session ${id} is not active`);
    return {
      ...toInfo(row, this.projects),
      entries: this.memory.countNamespace(sessionNamespace(id)),
    };
  }

  /** How many sessions are active (for metrics). */
  activeCount(): number {
    return this.store.countActive();
  }

  list(p: { includeEnded?: boolean | undefined; limit: number; offset: number }) {
    this.flush();
    const { rows, total } = this.store.list(p.includeEnded ?? false, p.limit, p.offset);
    return {
      sessions: rows.map((row) => ({ ...toInfo(row, this.projects), entries: row.entries })),
      total,
    };
  }

  /** Ends every active session idle longer than its timeout; returns the ended ids. */
  cleanupIdle(): string[] {
    this.flush();
    const now = this.now();
    const ended: string[] = [];
    for (const row of this.store.active()) {
      const last = Math.max(row.last_activity_at, this.cache.get(row.id)?.lastActivity ?? 0);
      if (now - last > row.idle_timeout_ms) {
        this.end(row.id, 'idle');
        ended.push(row.id);
      }
    }
    return ended;
  }

  /** Writes in-memory last-activity times to the database. */
  flush(): void {
    const dirty = [...this.cache].filter(([, c]) => c.dirty);
    if (dirty.length === 0 || !this.db.open) return;
    this.db.transaction(() => {
      for (const [id, c] of dirty) {
        this.store.touch(id, c.lastActivity);
        c.dirty = false;
      }
    })();
  }

  close(): void {
    clearInterval(this.flushTimer);
    this.flush();
  }
}

function toInfo(row: SessionRow, projects: ProjectService): SessionInfo {
  return {
    id: row.id,
    namespace: sessionNamespace(row.id),
    metadata: JSON.parse(row.metadata) as Record<string, unknown>,
    startedAt: new Date(row.started_at).toISOString(),
    lastActivityAt: new Date(row.last_activity_at).toISOString(),
    idleTimeoutMinutes: row.idle_timeout_ms / 60_000,
    endedAt: row.ended_at === null ? null : new Date(row.ended_at).toISOString(),
    // Written only by end(), always an EndReason.
    endReason: row.end_reason as EndReason | null,
    project: (row.project && projects.bySlug(row.project)) || null,
  };
}
