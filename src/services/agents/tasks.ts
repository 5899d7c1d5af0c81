/**
 * Tasks: units of work in a session, optionally assigned to one of its agents. A task
 * moves pending → running → completed | failed | cancelled, plus pending → completed
 * (the caller did the work itself) and pending → cancelled; every move is a
 * compare-and-set in SQL and any other move is refused with CONFLICT. Finished tasks
 * stay finished: to try again, create a new task.
 *
 * `run` builds the prompt (agent prompt, the memory this session may read, the input),
 * calls the provider and stores the output, provider, model, token usage and duration.
 * A run stops early — and the task says why — when it is cancelled, its agent stopped,
 * its session ended, its client hung up, the daemon stopped, or it outlived its timeout.
 */
import { randomUUID } from 'node:crypto';
import { AppError } from '../../core/errors.js';
import type {
  AgentTaskStore,
  TaskFinish,
  TaskStatus,
} from '../../store/agents/agent-task-store.js';
import type { AccessControl, Credentials, Operation } from '../access/access-control.js';
import type { AgentTypeCatalog } from './agent-types.js';
import type { AgentService } from './agents.js';
import type { AuditSink } from '../audit/audit-sink.js';
import type { MemoryService } from '../memory/memory.js';
import { buildTaskPrompt, type PromptMemory } from './prompt.js';
import type { ProviderName } from '../../protocol/provider.js';
import { TASK_PREVIEW_CHARS } from '../../protocol/task.js';
import type { ChatResult } from '../providers/provider.js';
import type { ProviderRegistry } from '../providers/registry.js';
import { ownedBy } from '../access/session-owned.js';
import { conflict, taskSummary, taskView } from './task-view.js';
import { OutputCap, outputLimitError } from './output-cap.js';
import { STOP_TEXT, stopReason, type RunIO, type StopReason, type TaskRuns } from './task-runs.js';

/** The `tasks` config section. */
export interface TaskSettings {
  /** Longest a run may take, and the cap on a run's own `timeoutMs`. */
  timeoutMs: number;
  /** How many memory entries go into a run's prompt (0: none). */
  memoryResults: number;
  /** Most bytes of provider output a run keeps; past it the call is stopped and the task fails. */
  maxOutputBytes: number;
}

/** How much of the task input is used as the memory search query. */
const MEMORY_QUERY_CHARS = 1000;

export interface TaskServiceDeps {
  store: AgentTaskStore;
  runs: TaskRuns;
  access: AccessControl;
  audit: AuditSink;
  agents: AgentService;
  catalog: AgentTypeCatalog;
  memory: Pick<MemoryService, 'searchWhole'>;
  providers: Pick<ProviderRegistry, 'get'>;
  settings: () => TaskSettings;
  now?: () => number;
}

type Creds = Credentials;

export class TaskService {
  constructor(private readonly deps: TaskServiceDeps) {
    // A task a previous daemon left running can never finish: say so instead of leaving it.
    deps.store.failInterrupted(
      'interrupted: the daemon stopped while the task was running',
      this.now(),
    );
  }

  private now(): number {
    return (this.deps.now ?? Date.now)();
  }

  private caller(p: Creds, op: Operation) {
    return this.deps.access.sessionCaller(p, op);
  }

  private owned(p: Creds & { taskId: string }, op: Operation) {
    const caller = this.caller(p, op);
    const task = ownedBy(
      this.deps.store.getTask(p.taskId),
      'task',
      p.taskId,
      caller,
      op,
      this.deps.audit,
    );
    return { caller, task };
  }

  private reread(id: string) {
    return { task: taskView(this.deps.store.getTask(id)!) };
  }

  /** An active agent of this session, or the error that says why not. */
  private activeAgent(agentId: string, caller: ReturnType<TaskService['caller']>, op: Operation) {
    const agent = this.deps.agents.owned(agentId, caller, op);
    if (agent.status !== 'active') {
      throw new AppError('CONFLICT', `agent ${agentId} is stopped; spawn a new one`, { agentId });
    }
    return agent;
  }

  create(
    p: Creds & { input: string; agentId?: string | undefined; provider?: ProviderName | undefined },
    op: Operation,
  ) {
    const caller = this.caller(p, op);
    if (p.agentId) this.activeAgent(p.agentId, caller, op);
    const id = randomUUID();
    this.deps.store.insertTask({
      id,
      session_id: caller.sessionId,
      agent_id: p.agentId ?? null,
      input: p.input,
      provider: p.provider ?? null,
      created_at: this.now(),
    });
    return this.reread(id);
  }

  assign(p: Creds & { taskId: string; agentId: string }, op: Operation) {
    const { caller, task } = this.owned(p, op);
    this.activeAgent(p.agentId, caller, op);
    if (!this.deps.store.assign(task.id, p.agentId, this.now()))
      throw conflict(task, 'only a pending task can be assigned');
    return this.reread(task.id);
  }

  get(p: Creds & { taskId: string }, op: Operation) {
    return { task: taskView(this.owned(p, op).task) };
  }

  list(
    p: Creds & {
      status?: TaskStatus | undefined;
      agentId?: string | undefined;
      limit: number;
      offset: number;
    },
    op: Operation,
  ) {
    const caller = this.caller(p, op);
    const { rows, total } = this.deps.store.listTasks(
      caller.sessionId,
      p,
      p.limit,
      p.offset,
      TASK_PREVIEW_CHARS,
    );
    return { tasks: rows.map(taskSummary), total };
  }

  /** pending → completed with output the caller produced (a running task belongs to its run). */
  complete(p: Creds & { taskId: string; output: string }, op: Operation) {
    const { task } = this.owned(p, op);
    if (!this.deps.store.completeByCaller(task.id, p.output, this.now()))
      throw conflict(task, 'only a pending task can be completed by hand');
    return this.reread(task.id);
  }

  /** pending | running → cancelled; a running task's provider call is aborted. */
  cancel(p: Creds & { taskId: string }, op: Operation) {
    const { task } = this.owned(p, op);
    if (!this.deps.store.cancel(task.id, STOP_TEXT.cancelled, this.now()))
      throw conflict(task, 'only a pending or running task can be cancelled');
    this.deps.runs.abort(task.id, 'cancelled');
    return this.reread(task.id);
  }

  async run(
    p: Creds & {
      taskId: string;
      provider?: ProviderName | undefined;
      timeoutMs?: number | undefined;
      maxTokens?: number | undefined;
    },
    op: Operation,
    io: RunIO = {},
  ) {
    const { caller, task } = this.owned(p, op);
    if (task.status !== 'pending') throw conflict(task, 'only a pending task can run');
    const settings = this.deps.settings();
    if (p.timeoutMs !== undefined && p.timeoutMs > settings.timeoutMs) {
      throw new AppError(
        'INVALID_PARAMS',
        `timeoutMs may be at most ${settings.timeoutMs} (tasks.timeoutMs in the config)`,
        { issues: [{ path: 'timeoutMs', message: `at most ${settings.timeoutMs}` }] },
      );
    }
    const agent = task.agent_id ? this.activeAgent(task.agent_id, caller, op) : undefined;
    const type = agent ? this.deps.catalog.get(agent.type) : undefined;
    if (agent && !type) {
      throw new AppError('CONFLICT', `agent type "${agent.type}" is no longer configured`, {
        agentId: agent.id,
        type: agent.type,
      });
    }
    const provider = this.deps.providers.get(
      p.provider ?? (task.provider as ProviderName | null) ?? undefined,
    );
    // Everything above is synchronous, so nothing else can move the task in between.
    if (!this.deps.store.start(task.id, provider.name, provider.model, this.now()))
      throw conflict(this.deps.store.getTask(task.id)!, 'only a pending task can run');
    const controller = this.deps.runs.start(task.id, caller.sessionId, task.agent_id);
    const timeoutMs = p.timeoutMs ?? settings.timeoutMs;
    const timer = setTimeout(() => this.deps.runs.abort(task.id, 'timeout'), timeoutMs);
    io.onStart?.((why) => this.deps.runs.abort(task.id, why));
    const started = performance.now();
    const finish = () => ({
      provider: provider.name,
      model: provider.model,
      durationMs: Math.round(performance.now() - started),
    });
    // Always streamed from the provider, so the cap can stop an answer that never ends;
    // the caller sees the deltas only when it asked for them.
    const cap = new OutputCap(settings.maxOutputBytes, () =>
      this.deps.runs.abort(task.id, 'output_limit'),
    );
    let result: ChatResult;
    try {
      // Inside the run (and its timeout): a search that grows an await (hybrid search)
      // must not open a window in which the task is pending yet already being run.
      const prompt = buildTaskPrompt({
        systemPrompt: type?.systemPrompt,
        memories: await this.memoriesFor(task.input, settings.memoryResults, p, op),
        input: task.input,
      });
      result = await provider.chat({
        system: prompt.system,
        messages: [{ role: 'user', content: prompt.user }],
        maxTokens: p.maxTokens,
        signal: controller.signal,
        onText: (delta) => {
          const kept = cap.add(delta);
          if (kept) io.onText?.(kept);
        },
      });
    } catch (err) {
      const why = stopReason(controller.signal);
      if (why === 'output_limit') throw this.overCap(task.id, provider.name, cap, finish());
      if (why === 'timeout') {
        this.deps.store.fail(task.id, `timed out after ${timeoutMs} ms`, finish(), this.now());
        throw new AppError(
          'TIMEOUT',
          `task ${task.id} timed out after ${timeoutMs} ms waiting for ${provider.name}; a run may take up to tasks.timeoutMs (${settings.timeoutMs} ms)`,
          { taskId: task.id, timeoutMs },
        );
      }
      if (why) throw this.stopped(task.id, why);
      // Provider failures are AppErrors with sanitized messages; anything else stays in the log.
      const message = err instanceof AppError ? err.message : 'internal error (see the daemon log)';
      this.deps.store.fail(task.id, message, finish(), this.now());
      throw err;
    } finally {
      clearTimeout(timer);
      this.deps.runs.finish(task.id);
    }
    // The answer may have ended just as the cap was passed: still over it.
    if (cap.exceeded) throw this.overCap(task.id, provider.name, cap, finish());
    const done = { ...finish(), model: result.model, output: result.text, ...result.usage };
    // A stop that landed as the answer arrived still wins: the task is no longer running.
    if (!this.deps.store.succeed(task.id, done, this.now()))
      throw this.stopped(task.id, stopReason(controller.signal));
    return this.reread(task.id);
  }

  /** Fails a run whose output passed the cap, keeping the output up to it. */
  private overCap(taskId: string, provider: string, cap: OutputCap, done: TaskFinish): AppError {
    const error = outputLimitError(taskId, provider, cap.maxBytes);
    this.deps.store.fail(taskId, error.message, done, this.now(), cap.text());
    return error;
  }

  /** Marks a stopped run cancelled (if whoever stopped it has not) and builds the caller's error. */
  private stopped(taskId: string, why: StopReason | undefined): AppError {
    const text = STOP_TEXT[why ?? 'cancelled'];
    this.deps.store.cancel(taskId, text, this.now());
    return new AppError('CONFLICT', `task ${taskId} was ${text}`, {
      taskId,
      reason: 'cancelled',
      cause: why ?? 'cancelled',
    });
  }

  /**
   * The top memory entries for the input (hybrid when embeddings are on, else full text),
   * with the same access rules as any read.
   */
  private async memoriesFor(
    input: string,
    k: number,
    creds: Creds,
    op: Operation,
  ): Promise<PromptMemory[]> {
    if (k <= 0) return [];
    const { results } = await this.deps.memory.searchWhole(
      {
        query: input.slice(0, MEMORY_QUERY_CHARS),
        limit: k,
        offset: 0,
        match: 'any',
        sessionId: creds.sessionId,
        sessionToken: creds.sessionToken,
      },
      op,
    );
    return results.map((r) => ({
      namespace: r.entry.namespace,
      key: r.entry.key,
      content: r.entry.content ?? '',
    }));
  }

  /** Session end hook (inside the session's end transaction): cancel its tasks, abort its runs. */
  onSessionEnd(sessionId: string): { cancelledTasks: number } {
    const cancelledTasks = this.deps.store.cancelSessionTasks(
      sessionId,
      STOP_TEXT.session_ended,
      this.now(),
    );
    this.deps.runs.abortWhere((r) => r.sessionId === sessionId, 'session_ended');
    return { cancelledTasks };
  }

  /** Daemon shutdown: stop every run so requests in flight finish within the grace period. */
  abortAll(): number {
    return this.deps.runs.abortWhere(() => true, 'shutdown');
  }
}
