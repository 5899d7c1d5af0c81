/**
 * A task row as the wire shows it (`TaskView` in protocol/task.ts: camelCase, ISO times,
 * usage as one object), and the CONFLICT error for a move the task's status does not
 * allow.
 */
import { AppError } from '../../core/errors.js';
import type { ProviderName } from '../../protocol/provider.js';
import type { TaskSummary, TaskView } from '../../protocol/task.js';
import type { TaskRow, TaskSummaryRow } from '../../store/agents/agent-task-store.js';

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export function taskView(r: TaskRow): TaskView {
  return {
    id: r.id,
    sessionId: r.session_id,
    agentId: r.agent_id,
    input: r.input,
    status: r.status,
    output: r.output,
    error: r.error,
    // Written only from a ProviderName (the task's or the one that ran it).
    provider: r.provider as ProviderName | null,
    model: r.model,
    usage:
      r.input_tokens === null || r.output_tokens === null
        ? null
        : { inputTokens: r.input_tokens, outputTokens: r.output_tokens },
    durationMs: r.duration_ms,
    createdAt: new Date(r.created_at).toISOString(),
    updatedAt: new Date(r.updated_at).toISOString(),
    startedAt: iso(r.started_at),
    completedAt: iso(r.completed_at),
  };
}

export function conflict(task: TaskRow, action: string): AppError {
  return new AppError('CONFLICT', `task ${task.id} is ${task.status}; ${action}`, {
    taskId: task.id,
    status: task.status,
  });
}

/** A task list's row as the wire shows it: previews, their full lengths, and whether any was cut. */
export function taskSummary(r: TaskSummaryRow): TaskSummary {
  const longer = (shown: string | null, size: number | null) =>
    shown !== null && size !== null && size > [...shown].length;
  return {
    ...taskView(r),
    inputSize: r.input_size,
    outputSize: r.output_size,
    cut:
      longer(r.input, r.input_size) ||
      longer(r.output, r.output_size) ||
      longer(r.error, r.error_size),
  };
}
