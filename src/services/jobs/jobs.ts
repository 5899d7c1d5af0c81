/**
 * Scheduled jobs. Each job has a cron schedule (node-cron), an on/off switch, and can be
 * run on demand. A job never overlaps itself (a run that finds it busy is skipped, or
 * refused when asked for by hand); a job that throws is logged and audited and leaves the
 * others and the daemon running. `list()` shows schedule, last run and next run.
 */
import cron, { type ScheduledTask } from 'node-cron';
import type { Logger } from 'pino';
import { AppError } from '../../core/errors.js';
import type { AuditSink } from '../audit/audit-sink.js';

/** A job; `R` is what its runs report (the daemon's jobs: `JobResult` in protocol/job.ts). */
export interface JobSpec<R = unknown> {
  name: string;
  description: string;
  schedule: string;
  enabled: boolean;
  run(): R | Promise<R>;
}

export interface LastRun<R = unknown> {
  startedAt: string;
  finishedAt: string;
  trigger: 'scheduled' | 'manual';
  ok: boolean;
  result?: R;
  error?: string;
}

interface JobState<R> {
  spec: JobSpec<R>;
  task?: ScheduledTask;
  running: boolean;
  last?: LastRun<R>;
  /** Runs started and runs failed since the daemon started (for /metrics). */
  runs: number;
  failures: number;
}

export class JobRunner<R = unknown> {
  private readonly jobs = new Map<string, JobState<R>>();

  constructor(
    // Not inferred from the specs: a runner of mixed jobs is a JobRunner<unknown>.
    specs: JobSpec<NoInfer<R>>[],
    private readonly deps: { audit: AuditSink; logger: Logger; now: () => number },
  ) {
    for (const spec of specs) {
      if (spec.enabled && !cron.validate(spec.schedule)) {
        throw new Error(`job ${spec.name}: "${spec.schedule}" is not a valid cron expression`);
      }
      this.jobs.set(spec.name, { spec, running: false, runs: 0, failures: 0 });
    }
  }

  /** Schedules every enabled job. */
  start(): void {
    for (const state of this.jobs.values()) {
      if (!state.spec.enabled) continue;
      state.task = cron.schedule(
        state.spec.schedule,
        () => this.execute(state, 'scheduled').catch(() => undefined),
        {
          name: `aistack:${state.spec.name}`,
        },
      );
    }
  }

  stop(): void {
    for (const state of this.jobs.values()) {
      void state.task?.destroy();
      state.task = undefined;
    }
  }

  list() {
    return [...this.jobs.values()].map((s) => ({
      name: s.spec.name,
      description: s.spec.description,
      schedule: s.spec.schedule,
      enabled: s.spec.enabled,
      running: s.running,
      lastRun: s.last ?? null,
      nextRun: s.task?.getNextRun()?.toISOString() ?? null,
    }));
  }

  /** How often each job ran and failed since the daemon started. */
  counts(): { name: string; runs: number; failures: number }[] {
    return [...this.jobs.values()].map((s) => ({
      name: s.spec.name,
      runs: s.runs,
      failures: s.failures,
    }));
  }

  /** Runs a job now; refuses when it is already running. */
  async runNow(name: string): Promise<LastRun<R>> {
    const state = this.jobs.get(name);
    if (!state) {
      throw new AppError(
        'NOT_FOUND',
        `no job named ${name} (jobs: ${[...this.jobs.keys()].join(', ')})`,
      );
    }
    if (state.running) throw new AppError('CONFLICT', `job ${name} is already running`);
    return this.execute(state, 'manual');
  }

  private async execute(state: JobState<R>, trigger: LastRun['trigger']): Promise<LastRun<R>> {
    const { logger, audit, now } = this.deps;
    const name = state.spec.name;
    if (state.running) {
      logger.warn({ job: name }, 'job still running from its previous start; skipping this run');
      return state.last!;
    }
    state.running = true;
    state.runs++;
    const startedAt = new Date(now()).toISOString();
    try {
      const result = await state.spec.run();
      state.last = {
        startedAt,
        finishedAt: new Date(now()).toISOString(),
        trigger,
        ok: true,
        result,
      };
      logger.info({ job: name, trigger, result }, `job ${name} finished`);
    } catch (err) {
      state.failures++;
      const message = (err as Error)?.message ?? String(err);
      state.last = {
        startedAt,
        finishedAt: new Date(now()).toISOString(),
        trigger,
        ok: false,
        error: message,
      };
      logger.error({ job: name, trigger, err }, `job ${name} failed`);
      audit.record('job.failed', { job: name, trigger, error: message });
    } finally {
      state.running = false;
    }
    return state.last;
  }
}
