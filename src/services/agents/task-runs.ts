/**
 * The task runs in flight in this daemon: for each, the session and agent it belongs
 * to and the AbortController of its provider call. Cancelling a task, stopping its
 * agent, ending its session, the per-task timeout, a client hanging up and daemon
 * shutdown all stop a run the same way — abort with a `TaskStop` naming why — and the
 * run reads the reason back to decide what the task becomes and what the caller hears.
 * Aborting only signals, so it is safe inside a database transaction.
 */

export type StopReason =
  | 'cancelled'
  | 'session_ended'
  | 'agent_stopped'
  | 'disconnected'
  | 'timeout'
  | 'shutdown'
  | 'output_limit';

export const STOP_TEXT: Record<StopReason, string> = {
  cancelled: 'cancelled by task.cancel',
  session_ended: 'cancelled: the session ended',
  agent_stopped: 'cancelled: its agent was stopped',
  disconnected: 'cancelled: the client that ran it disconnected',
  timeout: 'timed out',
  shutdown: 'cancelled: the daemon stopped',
  output_limit: 'stopped: its output passed tasks.maxOutputBytes',
};

export class TaskStop extends Error {
  constructor(readonly why: StopReason) {
    super(STOP_TEXT[why]);
    this.name = 'TaskStop';
  }
}

/** What a run may be given by its caller's connection. */
export interface RunIO {
  /** Each streamed text delta, in order. */
  onText?: (delta: string) => void;
  /** Called with a function that stops the run (the method wires it to the connection closing). */
  onStart?: (stop: (why: StopReason) => void) => void;
}

interface Run {
  sessionId: string;
  agentId: string | null;
  controller: AbortController;
}

export class TaskRuns {
  private readonly runs = new Map<string, Run>();

  /** Registers a run; its signal aborts with a TaskStop. */
  start(taskId: string, sessionId: string, agentId: string | null): AbortController {
    const controller = new AbortController();
    this.runs.set(taskId, { sessionId, agentId, controller });
    return controller;
  }

  finish(taskId: string): void {
    this.runs.delete(taskId);
  }

  has(taskId: string): boolean {
    return this.runs.has(taskId);
  }

  get size(): number {
    return this.runs.size;
  }

  abort(taskId: string, why: StopReason): boolean {
    const run = this.runs.get(taskId);
    if (!run || run.controller.signal.aborted) return false;
    run.controller.abort(new TaskStop(why));
    return true;
  }

  /** Aborts every run matching `match`; returns how many. */
  abortWhere(
    match: (run: { sessionId: string; agentId: string | null }) => boolean,
    why: StopReason,
  ): number {
    let n = 0;
    for (const [taskId, run] of this.runs) if (match(run) && this.abort(taskId, why)) n++;
    return n;
  }
}

/** Why a run's signal was aborted, if it was aborted by us. */
export function stopReason(signal: AbortSignal): StopReason | undefined {
  return signal.aborted && signal.reason instanceof TaskStop ? signal.reason.why : undefined;
}
