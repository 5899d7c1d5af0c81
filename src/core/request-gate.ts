/**
 * The request gate: every request (and every scheduled job) runs inside `run()`, and a
 * database restore runs inside `exclusive()`, which holds new requests at the gate, waits
 * for the ones already running to finish, does its work, and lets the held requests
 * through — so no request ever sees half of a swap, and none goes to the old database
 * after it closed. Held requests wait (bounded) rather than fail: to a client, a restore
 * looks like a slow answer.
 *
 * The gate also knows when the daemon last did anything, which the checkpoint scheduler
 * uses to find idle moments.
 *
 * Nesting is explicit: work already inside the gate (a request's handler, a job) calls
 * what it needs directly rather than through `run()` again, and an exclusive section
 * started by a request says so (`callerHolds`). An AsyncLocalStorage could tell instead,
 * but on Node 20 one in use turns on async hooks for every promise and callback in the
 * process: 2–3 µs on each `memory.get` of ~20 µs (measured in-process through the
 * dispatcher), more on async calls.
 */
import { AppError } from './errors.js';
import { isPromiseLike } from './promise-like.js';

export interface GateOptions {
  /** How long a request may wait at a closed gate before it gets BUSY. */
  maxWaitMs?: number;
  /** How long `exclusive()` waits for running requests to finish before giving up with BUSY. */
  drainMs?: number;
  now?: () => number;
}

export class RequestGate {
  private active = 0;
  private closed: Promise<void> | undefined;
  private drained: (() => void) | undefined;
  /** While `exclusive()` drains: how many running requests are its own (0 or 1). */
  private drainTarget = 0;
  private lastActivity: number;
  private readonly maxWaitMs: number;
  private readonly drainMs: number;
  private readonly now: () => number;

  constructor(options: GateOptions = {}) {
    this.maxWaitMs = options.maxWaitMs ?? 30_000;
    this.drainMs = options.drainMs ?? 10_000;
    this.now = options.now ?? Date.now;
    this.lastActivity = this.now();
  }

  /** Requests running now (excluding those waiting at a closed gate). */
  get running(): number {
    return this.active;
  }

  /** When a request last started or finished (ms since epoch). */
  get lastActivityAt(): number {
    return this.lastActivity;
  }

  get isClosed(): boolean {
    return this.closed !== undefined;
  }

  /** Runs `fn` once the gate is open; waits while an exclusive section runs (BUSY after maxWaitMs). */
  async run<T>(fn: () => T | Promise<T>): Promise<T> {
    if (this.closed) {
      this.lastActivity = this.now();
      await this.waitOpen();
    }
    return this.enter(fn);
  }

  /**
   * Like `run`, but when the gate is open `fn` runs at once and a value it returns
   * synchronously comes back as is: a call that finishes synchronously costs no promise.
   */
  enter<T>(fn: () => T | Promise<T>): T | Promise<T> {
    if (this.closed) return this.run(fn);
    this.lastActivity = this.now();
    this.active++;
    let outcome: T | Promise<T>;
    try {
      outcome = fn();
    } catch (err) {
      this.leave();
      throw err;
    }
    if (!isPromiseLike(outcome)) {
      this.leave();
      return outcome;
    }
    return Promise.resolve(outcome).finally(() => this.leave());
  }

  private leave(): void {
    this.active--;
    this.lastActivity = this.now();
    if (this.drained && this.active <= this.drainTarget) this.drained();
  }

  /**
   * Closes the gate, waits until no other request runs, runs `fn`, and opens the gate
   * again whatever happens. `callerHolds`: the caller is itself a request inside the gate
   * (as `backup.restore` is), which does not count as one to wait for. What `fn` does runs
   * directly, never through `run()` (which would wait for the gate `fn` holds shut).
   */
  async exclusive<T>(
    fn: () => T | Promise<T>,
    options: { callerHolds?: boolean } = {},
  ): Promise<T> {
    if (this.closed) throw new AppError('BUSY', 'another exclusive operation (restore) is running');
    let open!: () => void;
    this.closed = new Promise<void>((resolve) => (open = resolve));
    const self = options.callerHolds ? 1 : 0;
    this.drainTarget = self;
    try {
      if (this.active > self) {
        const ok = await new Promise<boolean>((resolve) => {
          const timer = setTimeout(() => resolve(false), this.drainMs);
          this.drained = () => {
            clearTimeout(timer);
            resolve(true);
          };
        });
        this.drained = undefined;
        if (!ok) {
          throw new AppError(
            'BUSY',
            `requests still running after ${this.drainMs} ms; try again when the daemon is quieter`,
            { running: this.active - self },
          );
        }
      }
      return await fn();
    } finally {
      this.drained = undefined;
      this.closed = undefined;
      open();
    }
  }

  private async waitOpen(): Promise<void> {
    while (this.closed) {
      const closed = this.closed;
      let timer: NodeJS.Timeout | undefined;
      const timedOut = await Promise.race([
        closed.then(() => false),
        new Promise<boolean>(
          (resolve) => (timer = setTimeout(() => resolve(true), this.maxWaitMs)),
        ),
      ]);
      clearTimeout(timer);
      if (timedOut) {
        throw new AppError(
          'BUSY',
          `the daemon is restoring its database; try again shortly (waited ${this.maxWaitMs} ms)`,
        );
      }
    }
  }
}
