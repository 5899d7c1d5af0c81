/**
 * SQL for agents and tasks. Parameterized, prepared statements only. Every status change
 * is a compare-and-set (`WHERE status IN (...)`) that reports whether it happened, so
 * two callers racing on one task cannot both move it: the loser sees `false` and the
 * service turns that into a CONFLICT. The store knows nothing about sessions' rules.
 */
import type Database from 'better-sqlite3';

export type AgentStatus = 'active' | 'stopped';
export type TaskStatus = 'pending' | 'running' | 'completed' | 'failed' | 'cancelled';

export interface AgentRow {
  id: string;
  session_id: string;
  type: string;
  name: string;
  status: AgentStatus;
  created_at: number;
  stopped_at: number | null;
}

export interface TaskRow {
  id: string;
  session_id: string;
  agent_id: string | null;
  input: string;
  status: TaskStatus;
  output: string | null;
  error: string | null;
  provider: string | null;
  model: string | null;
  input_tokens: number | null;
  output_tokens: number | null;
  duration_ms: number | null;
  created_at: number;
  updated_at: number;
  started_at: number | null;
  completed_at: number | null;
}

/** A task in a list: `input`, `output` and `error` cut to previews, with their lengths. */
export interface TaskSummaryRow extends TaskRow {
  input_size: number;
  output_size: number | null;
  error_size: number | null;
}

/** How much of each text a task list shows, in characters (task.get has the whole text). */
export interface TaskPreviewChars {
  text: number;
  error: number;
}

export interface TaskFinish {
  provider: string;
  model: string;
  durationMs: number;
}

export interface TaskListFilters {
  status?: TaskStatus | undefined;
  agentId?: string | undefined;
}

const TASK_FILTER = `session_id = @sessionId AND (@status IS NULL OR status = @status)
  AND (@agentId IS NULL OR agent_id = @agentId)`;

export class AgentTaskStore {
  private readonly s;

  constructor(private readonly db: Database.Database) {
    this.s = {
      insertAgent: db.prepare(`INSERT INTO agents (id, session_id, type, name, status, created_at)
        VALUES (?, ?, ?, ?, 'active', ?)`),
      getAgent: db.prepare('SELECT * FROM agents WHERE id = ?'),
      listAgents: db.prepare(`SELECT * FROM agents
        WHERE session_id = ? AND (? = 1 OR status = 'active')
        ORDER BY created_at, rowid LIMIT ? OFFSET ?`),
      stopAgent: db.prepare(
        "UPDATE agents SET status = 'stopped', stopped_at = ? WHERE id = ? AND status = 'active'",
      ),
      stopSessionAgents: db.prepare(
        "UPDATE agents SET status = 'stopped', stopped_at = ? WHERE session_id = ? AND status = 'active'",
      ),
      agentTaskCounts: db.prepare(
        'SELECT status, count(*) AS n FROM tasks WHERE agent_id = ? GROUP BY status',
      ),
      insertTask: db.prepare(`INSERT INTO tasks
        (id, session_id, agent_id, input, status, provider, created_at, updated_at)
        VALUES (?, ?, ?, ?, 'pending', ?, ?, ?)`),
      getTask: db.prepare('SELECT * FROM tasks WHERE id = ?'),
      // Previews, never whole texts: a page of 1,000 tasks of 1 MB each must not be read.
      listTasks: db.prepare(`SELECT id, session_id, agent_id, status, provider, model,
        input_tokens, output_tokens, duration_ms, created_at, updated_at, started_at, completed_at,
        substr(input, 1, @previewChars) AS input, length(input) AS input_size,
        substr(output, 1, @previewChars) AS output, length(output) AS output_size,
        substr(error, 1, @errorChars) AS error, length(error) AS error_size
        FROM tasks WHERE ${TASK_FILTER}
        ORDER BY created_at DESC, rowid DESC LIMIT @limit OFFSET @offset`),
      countTasks: db.prepare(`SELECT count(*) FROM tasks WHERE ${TASK_FILTER}`),
      assign: db.prepare(
        "UPDATE tasks SET agent_id = ?, updated_at = ? WHERE id = ? AND status = 'pending'",
      ),
      start: db.prepare(`UPDATE tasks SET status = 'running', provider = ?, model = ?,
        started_at = ?, updated_at = ? WHERE id = ? AND status = 'pending'`),
      succeed: db.prepare(`UPDATE tasks SET status = 'completed', output = ?, provider = ?,
        model = ?, input_tokens = ?, output_tokens = ?, duration_ms = ?, completed_at = ?,
        updated_at = ? WHERE id = ? AND status = 'running'`),
      fail: db.prepare(`UPDATE tasks SET status = 'failed', error = ?, output = ?, provider = ?,
        model = ?, duration_ms = ?, completed_at = ?, updated_at = ? WHERE id = ? AND status = 'running'`),
      completeByCaller: db.prepare(`UPDATE tasks SET status = 'completed', output = ?,
        completed_at = ?, updated_at = ? WHERE id = ? AND status = 'pending'`),
      cancel: db.prepare(`UPDATE tasks SET status = 'cancelled', error = ?, completed_at = ?,
        updated_at = ? WHERE id = ? AND status IN ('pending', 'running')`),
      cancelSession: db.prepare(`UPDATE tasks SET status = 'cancelled', error = @reason,
        completed_at = @at, updated_at = @at
        WHERE session_id = @sessionId AND status IN ('pending', 'running')`),
      cancelAgent: db.prepare(`UPDATE tasks SET status = 'cancelled', error = @reason,
        completed_at = @at, updated_at = @at
        WHERE agent_id = @agentId AND status IN ('pending', 'running')`),
      failInterrupted: db.prepare(`UPDATE tasks SET status = 'failed', error = @reason,
        completed_at = @at, updated_at = @at WHERE status = 'running'`),
    };
  }

  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }

  insertAgent(row: Pick<AgentRow, 'id' | 'session_id' | 'type' | 'name' | 'created_at'>): void {
    this.s.insertAgent.run(row.id, row.session_id, row.type, row.name, row.created_at);
  }

  getAgent(id: string): AgentRow | undefined {
    return this.s.getAgent.get(id) as AgentRow | undefined;
  }

  listAgents(sessionId: string, includeStopped: boolean, limit: number, offset: number) {
    return this.s.listAgents.all(sessionId, includeStopped ? 1 : 0, limit, offset) as AgentRow[];
  }

  stopAgent(id: string, at: number): boolean {
    return this.s.stopAgent.run(at, id).changes > 0;
  }

  stopSessionAgents(sessionId: string, at: number): number {
    return this.s.stopSessionAgents.run(at, sessionId).changes;
  }

  agentTaskCounts(agentId: string): Partial<Record<TaskStatus, number>> {
    const rows = this.s.agentTaskCounts.all(agentId) as { status: TaskStatus; n: number }[];
    return Object.fromEntries(rows.map((r) => [r.status, r.n]));
  }

  insertTask(
    row: Pick<TaskRow, 'id' | 'session_id' | 'agent_id' | 'input' | 'provider' | 'created_at'>,
  ): void {
    this.s.insertTask.run(
      row.id,
      row.session_id,
      row.agent_id,
      row.input,
      row.provider,
      row.created_at,
      row.created_at,
    );
  }

  getTask(id: string): TaskRow | undefined {
    return this.s.getTask.get(id) as TaskRow | undefined;
  }

  listTasks(
    sessionId: string,
    f: TaskListFilters,
    limit: number,
    offset: number,
    preview: TaskPreviewChars,
  ) {
    const where = { sessionId, status: f.status ?? null, agentId: f.agentId ?? null };
    const page = { limit, offset, previewChars: preview.text, errorChars: preview.error };
    return {
      rows: this.s.listTasks.all({ ...where, ...page }) as TaskSummaryRow[],
      total: this.s.countTasks.pluck().get(where) as number,
    };
  }

  assign(taskId: string, agentId: string, at: number): boolean {
    return this.s.assign.run(agentId, at, taskId).changes > 0;
  }

  /** pending → running. */
  start(taskId: string, provider: string, model: string, at: number): boolean {
    return this.s.start.run(provider, model, at, at, taskId).changes > 0;
  }

  /** running → completed, with what the provider answered. */
  succeed(
    taskId: string,
    r: TaskFinish & { output: string; inputTokens: number; outputTokens: number },
    at: number,
  ): boolean {
    return (
      this.s.succeed.run(
        r.output,
        r.provider,
        r.model,
        r.inputTokens,
        r.outputTokens,
        r.durationMs,
        at,
        at,
        taskId,
      ).changes > 0
    );
  }

  /** running → failed, with the output received before it failed, if any is kept. */
  fail(
    taskId: string,
    error: string,
    r: TaskFinish,
    at: number,
    output: string | null = null,
  ): boolean {
    return (
      this.s.fail.run(error, output, r.provider, r.model, r.durationMs, at, at, taskId).changes > 0
    );
  }

  /** pending → completed, with output the caller produced itself. */
  completeByCaller(taskId: string, output: string, at: number): boolean {
    return this.s.completeByCaller.run(output, at, at, taskId).changes > 0;
  }

  /** pending | running → cancelled. */
  cancel(taskId: string, reason: string, at: number): boolean {
    return this.s.cancel.run(reason, at, at, taskId).changes > 0;
  }

  cancelSessionTasks(sessionId: string, reason: string, at: number): number {
    return this.s.cancelSession.run({ reason, at, sessionId }).changes;
  }

  cancelAgentTasks(agentId: string, reason: string, at: number): number {
    return this.s.cancelAgent.run({ reason, at, agentId }).changes;
  }

  /** At startup: tasks a previous daemon left running can never finish. */
  failInterrupted(reason: string, at: number): number {
    return this.s.failInterrupted.run({ reason, at }).changes;
  }
}
