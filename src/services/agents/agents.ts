/**
 * Agents: an agent is an instance of an agent type, spawned into a session and living
 * in the database until it is stopped — by `agent.stop` or by its session ending.
 * Every method but `types` needs the session's credentials and sees only that
 * session's agents. Stopping an agent also cancels its unfinished tasks, so a stopped
 * agent never spends another token.
 */
import { randomUUID } from 'node:crypto';
import { AppError } from '../../core/errors.js';
import type { AgentRow, AgentTaskStore } from '../../store/agents/agent-task-store.js';
import type { AccessControl, Caller, Credentials, Operation } from '../access/access-control.js';
import type { AgentTypeCatalog } from './agent-types.js';
import type { AuditSink } from '../audit/audit-sink.js';
import { ownedBy } from '../access/session-owned.js';
import { STOP_TEXT, type TaskRuns } from './task-runs.js';

export interface AgentView {
  id: string;
  sessionId: string;
  type: string;
  name: string;
  status: 'active' | 'stopped';
  capabilities: string[];
  createdAt: string;
  stoppedAt: string | null;
}

export interface AgentServiceDeps {
  store: AgentTaskStore;
  runs: TaskRuns;
  access: AccessControl;
  audit: AuditSink;
  catalog: AgentTypeCatalog;
  now?: () => number;
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export class AgentService {
  constructor(private readonly deps: AgentServiceDeps) {}

  private now(): number {
    return (this.deps.now ?? Date.now)();
  }

  view(row: AgentRow): AgentView {
    return {
      id: row.id,
      sessionId: row.session_id,
      type: row.type,
      name: row.name,
      status: row.status,
      capabilities: this.deps.catalog.get(row.type)?.capabilities ?? [],
      createdAt: new Date(row.created_at).toISOString(),
      stoppedAt: iso(row.stopped_at),
    };
  }

  types() {
    return { types: this.deps.catalog.list() };
  }

  /** The caller's own agent, or NOT_FOUND (audited when it belongs to another session). */
  owned(agentId: string, caller: Caller & { sessionId: string }, op: Operation): AgentRow {
    return ownedBy(
      this.deps.store.getAgent(agentId),
      'agent',
      agentId,
      caller,
      op,
      this.deps.audit,
    );
  }

  spawn(p: Credentials & { type: string; name?: string | undefined }, op: Operation) {
    const caller = this.deps.access.sessionCaller(p, op);
    const type = this.deps.catalog.get(p.type);
    if (!type) {
      throw new AppError('NOT_FOUND', `unknown agent type "${p.type}"; see agent.types`, {
        type: p.type,
        known: this.deps.catalog.list().map((t) => t.name),
      });
    }
    const id = randomUUID();
    const row = {
      id,
      session_id: caller.sessionId,
      type: type.name,
      name: p.name ?? `${type.name}-${id.slice(0, 8)}`,
      created_at: this.now(),
    };
    this.deps.store.insertAgent(row);
    return { agent: this.view({ ...row, status: 'active', stopped_at: null }) };
  }

  list(
    p: Credentials & { includeStopped?: boolean | undefined; limit: number; offset: number },
    op: Operation,
  ) {
    const caller = this.deps.access.sessionCaller(p, op);
    const rows = this.deps.store.listAgents(
      caller.sessionId,
      Boolean(p.includeStopped),
      p.limit,
      p.offset,
    );
    return { agents: rows.map((r) => this.view(r)), count: rows.length };
  }

  status(p: Credentials & { agentId: string }, op: Operation) {
    const caller = this.deps.access.sessionCaller(p, op);
    const row = this.owned(p.agentId, caller, op);
    const counts = this.deps.store.agentTaskCounts(row.id);
    return {
      agent: this.view(row),
      tasks: {
        pending: counts.pending ?? 0,
        running: counts.running ?? 0,
        completed: counts.completed ?? 0,
        failed: counts.failed ?? 0,
        cancelled: counts.cancelled ?? 0,
      },
    };
  }

  /** Stops the agent and cancels its pending and running tasks. Stopping a stopped agent changes nothing. */
  stop(p: Credentials & { agentId: string }, op: Operation) {
    const caller = this.deps.access.sessionCaller(p, op);
    const row = this.owned(p.agentId, caller, op);
    const at = this.now();
    const { stopped, cancelledTasks } = this.deps.store.transaction(() => {
      if (!this.deps.store.stopAgent(row.id, at)) return { stopped: false, cancelledTasks: 0 };
      const cancelled = this.deps.store.cancelAgentTasks(row.id, STOP_TEXT.agent_stopped, at);
      this.deps.runs.abortWhere((r) => r.agentId === row.id, 'agent_stopped');
      return { stopped: true, cancelledTasks: cancelled };
    });
    return { agent: this.view(this.deps.store.getAgent(row.id)!), stopped, cancelledTasks };
  }

  /** Session end hook (inside the session's end transaction). */
  onSessionEnd(sessionId: string): { stoppedAgents: number } {
    return { stoppedAgents: this.deps.store.stopSessionAgents(sessionId, this.now()) };
  }
}
