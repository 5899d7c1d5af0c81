/**
 * The read pool: a few worker threads (read-worker.ts), each with its own read-only
 * connection to the database file, run the reads that can be slow so the event loop
 * stays free for the protocol and for writes. Reads wait in a fair queue (one line per
 * connection, served round-robin; bounded, BUSY past it) and each runs under
 * `daemon.queryTimeoutMs`, read when the read starts: a worker that overruns is
 * terminated — the only way to stop a synchronous SQLite/JS loop — the caller gets
 * TIMEOUT, and the next read gets a new worker. Nothing is lost by killing a worker: it
 * holds a read-only connection, so nothing in the database changes.
 *
 * A read whose request ends (connection closed, request timeout, shutdown) leaves the
 * queue at once; one already running is let finish for ABORT_GRACE_MS (a worker is
 * cheaper to keep than to restart), then its worker is terminated.
 *
 * Workers start when first needed (a worker takes tens of ms to load and open its
 * connection; see README) and end on close(), which the daemon calls at shutdown and
 * before a restore swaps the file, so no worker keeps the old file open.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import { AppError } from '../../core/errors.js';
import { JsonText } from '../../core/json-text.js';
import { FairQueue } from './fair-queue.js';
import type { ReadArgs, ReadResult, ReadTaskName } from './read-tasks.js';
import type { ReadCall, Reads } from './reads.js';
import type { WorkerReply, WorkerRequest, WorkerSetup } from './worker-protocol.js';

/** How long a read whose caller left may still run before its worker is terminated. */
export const ABORT_GRACE_MS = 100;
/** Reads waiting, all connections together, before new ones get BUSY. */
export const DEFAULT_MAX_QUEUED = 1000;
/** Heap of one worker: a read that needs more kills its worker, not the daemon. */
const WORKER_HEAP_MB = 1024;

export interface ReadPoolOptions {
  /** The database file (the daemon's, already open in WAL mode). */
  path: string;
  workers: number;
  busyTimeoutMs: number;
  /** The time limit of one read, read as each read starts (`daemon.queryTimeoutMs`). */
  timeoutMs: () => number;
  maxQueued?: number;
  /** The worker script (default: read-worker.js beside this file, or the built one). */
  script?: string;
  logger?: Pick<Logger, 'warn'>;
}

interface Job {
  id: number;
  name: ReadTaskName;
  args: unknown;
  /** Answer as JSON text (runJson). */
  json: boolean;
  call: ReadCall;
  resolve: (value: unknown) => void;
  reject: (err: unknown) => void;
  settled: boolean;
  running: boolean;
  timer?: NodeJS.Timeout;
  grace?: NodeJS.Timeout;
  detach?: () => void;
}

interface Slot {
  worker: Worker | undefined;
  /** The worker has opened its connection (its time limit runs from then). */
  ready: boolean;
  job: Job | undefined;
}

/** The compiled worker; under tests that run the TypeScript sources, the one in dist/. */
export function defaultWorkerScript(): string {
  const here = fileURLToPath(new URL('./read-worker.js', import.meta.url));
  if (existsSync(here)) return here;
  return fileURLToPath(new URL('../../../dist/services/reads/read-worker.js', import.meta.url));
}

export class ReadPool implements Reads {
  private readonly queue: FairQueue<Job>;
  private readonly slots: Slot[];
  private readonly stopping = new Set<Promise<number>>();
  private readonly script: string;
  private nextId = 1;
  private closed = false;
  /** Reads stopped by the time limit, and workers replaced (since start). */
  readonly counts = { timeouts: 0, workersStarted: 0, workersLost: 0 };

  constructor(private readonly options: ReadPoolOptions) {
    this.queue = new FairQueue(options.maxQueued ?? DEFAULT_MAX_QUEUED);
    this.slots = Array.from({ length: Math.max(1, options.workers) }, () => ({
      worker: undefined,
      ready: false,
      job: undefined,
    }));
    this.script = options.script ?? defaultWorkerScript();
  }

  /** Reads waiting for a worker now. */
  get queued(): number {
    return this.queue.size;
  }

  run<K extends ReadTaskName>(name: K, args: ReadArgs<K>, call: ReadCall): Promise<ReadResult<K>> {
    return this.submit(name, args, call, false) as Promise<ReadResult<K>>;
  }

  async runJson<K extends ReadTaskName>(
    name: K,
    args: ReadArgs<K>,
    call: ReadCall,
  ): Promise<JsonText<ReadResult<K>>> {
    return new JsonText((await this.submit(name, args, call, true)) as string);
  }

  private submit(
    name: ReadTaskName,
    args: unknown,
    call: ReadCall,
    json: boolean,
  ): Promise<unknown> {
    if (this.closed) {
      return Promise.reject(
        new AppError('SHUTTING_DOWN', 'the database is being closed; try again in a moment'),
      );
    }
    if (call.signal?.aborted) return Promise.reject(call.signal.reason);
    return new Promise((resolve, reject) => {
      const job: Job = {
        id: this.nextId++,
        name,
        args,
        json,
        call,
        resolve,
        reject,
        settled: false,
        running: false,
      };
      if (!this.queue.push(call.key, job)) {
        reject(
          new AppError('BUSY', `too many reads waiting (${this.queue.max}); retry in a moment`),
        );
        return;
      }
      const signal = call.signal;
      if (signal) {
        const onAbort = () => this.abandoned(job);
        signal.addEventListener('abort', onAbort, { once: true });
        job.detach = () => signal.removeEventListener('abort', onAbort);
      }
      this.pump();
    });
  }

  /** Ends every read (SHUTTING_DOWN) and every worker; resolves once the threads are gone. */
  async close(): Promise<void> {
    this.closed = true;
    const stop = new AppError('SHUTTING_DOWN', 'the database was closed before this read ran');
    for (const job of this.queue.drain()) this.settle(job, { error: stop });
    for (const slot of this.slots) {
      if (slot.job) this.settle(slot.job, { error: stop });
      this.retire(slot);
    }
    await Promise.all([...this.stopping]);
  }

  private settle(job: Job, outcome: { value: unknown } | { error: unknown }): void {
    if (job.settled) return;
    job.settled = true;
    clearTimeout(job.timer);
    job.detach?.();
    if ('error' in outcome) job.reject(outcome.error);
    else job.resolve(outcome.value);
  }

  /** Starts queued reads on idle workers, a line at a time. */
  private pump(): void {
    while (!this.closed && this.queue.size > 0) {
      const slot = this.slots.find((s) => !s.job);
      if (!slot) return;
      this.start(slot, this.queue.shift()!);
    }
  }

  /** Hands `job` to the slot's worker (started if need be); never throws. */
  private start(slot: Slot, job: Job): void {
    job.running = true;
    try {
      const worker = (slot.worker ??= this.spawn(slot));
      slot.job = job;
      if (slot.ready) this.arm(slot, job);
      const request: WorkerRequest = { id: job.id, name: job.name, args: job.args, json: job.json };
      worker.postMessage(request);
    } catch (err) {
      // A worker that cannot start, or arguments that cannot be cloned: this read fails,
      // the slot stays free for the next.
      clearTimeout(job.timer);
      if (slot.job === job) slot.job = undefined;
      this.settle(job, { error: err });
    }
  }

  /** Starts the time limit of the read a slot runs. */
  private arm(slot: Slot, job: Job): void {
    const limit = this.options.timeoutMs();
    job.timer = setTimeout(() => {
      if (slot.job !== job) return;
      this.counts.timeouts++;
      this.retire(slot);
      const what = job.call.label ?? 'the read';
      this.settle(job, {
        error: new AppError(
          'TIMEOUT',
          `${what} took longer than daemon.queryTimeoutMs (${limit} ms) and was stopped; nothing was changed. Narrow it (namespace, tags, a smaller limit) or raise the limit.`,
          { limitMs: limit },
        ),
      });
      this.pump();
    }, limit);
  }

  private spawn(slot: Slot): Worker {
    const setup: WorkerSetup = {
      path: this.options.path,
      busyTimeoutMs: this.options.busyTimeoutMs,
    };
    const worker = new Worker(this.script, {
      workerData: setup,
      resourceLimits: { maxOldGenerationSizeMb: WORKER_HEAP_MB },
    });
    this.counts.workersStarted++;
    slot.ready = false;
    worker.unref(); // never what keeps a process alive; close() ends it
    worker.on('message', (msg: WorkerReply | { ready: true }) => {
      if (slot.worker !== worker) return;
      if ('ready' in msg) {
        slot.ready = true;
        if (slot.job && !slot.job.timer && !slot.job.settled) this.arm(slot, slot.job);
        return;
      }
      const job = slot.job;
      if (!job || job.id !== msg.id) return;
      slot.job = undefined;
      clearTimeout(job.grace);
      this.settle(job, msg.ok ? { value: msg.value } : { error: fromWorker(msg.error) });
      this.pump();
    });
    worker.on('error', (err) => this.lost(slot, worker, err));
    worker.on('exit', (code) => this.lost(slot, worker, new Error(`exited with code ${code}`)));
    return worker;
  }

  /** A worker died on its own (out of memory, a crash): its read fails, the next gets a new one. */
  private lost(slot: Slot, worker: Worker, err: Error): void {
    if (slot.worker !== worker) return;
    this.counts.workersLost++;
    slot.worker = undefined;
    const job = slot.job;
    slot.job = undefined;
    if (this.closed) return;
    this.options.logger?.warn({ err: err.message }, 'a read worker stopped; starting another');
    if (job) {
      clearTimeout(job.grace);
      this.settle(job, { error: new Error(`the read worker stopped: ${err.message}`) });
    }
    this.pump();
  }

  /** Terminates a slot's worker (if any) and frees the slot. */
  private retire(slot: Slot): void {
    const worker = slot.worker;
    slot.worker = undefined;
    slot.ready = false;
    if (slot.job) clearTimeout(slot.job.grace);
    slot.job = undefined;
    if (!worker) return;
    const done = worker.terminate().catch(() => 0);
    this.stopping.add(done);
    void done.finally(() => this.stopping.delete(done));
  }

  /** The caller left: drop a queued read; give a running one a moment, then stop its worker. */
  private abandoned(job: Job): void {
    if (job.settled) return;
    const reason: unknown = job.call.signal?.reason;
    if (!job.running) {
      this.queue.remove(job.call.key, job);
      this.settle(job, { error: reason });
      return;
    }
    this.settle(job, { error: reason });
    job.grace = setTimeout(() => {
      const slot = this.slots.find((s) => s.job === job);
      if (!slot) return;
      this.retire(slot);
      this.pump();
    }, ABORT_GRACE_MS);
  }
}

function fromWorker(e: {
  code?: AppError['code'];
  message: string;
  data?: Record<string, unknown> | undefined;
}) {
  return e.code ? new AppError(e.code, e.message, e.data) : new Error(e.message);
}
