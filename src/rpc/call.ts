/**
 * Running one handler with its lifetime wired up. Most calls (a point read, a ping)
 * finish synchronously, and such a call can be cut off neither by its time limit nor by
 * its connection closing — neither can happen while it runs — so it gets no timer and no
 * promise: its value comes back as is. A handler that returns a promise gets the wiring:
 * the call in its connection's in-flight set (closing the connection or stopping the
 * daemon aborts it), a timer for its limit, and its answer raced against an abort. An
 * AbortController is made only for a handler that reads its signal (a read the pool can
 * drop, a reindex): most async calls (a store waiting for its group commit) never do, and
 * a controller, its signal and their listeners cost ~10 µs a call (measured in the store
 * path's CPU profile).
 */
import { AppError } from '../core/errors.js';
import { isPromiseLike } from '../core/promise-like.js';
import type { RequestGate } from '../core/request-gate.js';
import type { Abortable, DispatchConnection } from './dispatch-connection.js';

export class Call implements Abortable {
  private controller: AbortController | undefined;
  /** Why the call was aborted; unset while it runs. */
  private reason: { why: unknown } | undefined;
  /** Rejects the race in `wire` while the call is in flight. */
  private stop: ((why: unknown) => void) | undefined;

  constructor(
    private readonly connection: DispatchConnection,
    /** The method called, named in the TIMEOUT it is aborted with past its limit. */
    private readonly method: string,
    /** The call's time limit (0: none). */
    private readonly limitMs: number,
  ) {}

  /** Aborted when the connection closes, the call runs past its limit, or the daemon stops. */
  get signal(): AbortSignal {
    if (!this.controller) {
      this.controller = new AbortController();
      if (this.reason) this.controller.abort(this.reason.why);
    }
    return this.controller.signal;
  }

  /** Ends the call with `why`: its answer is that rejection, and its signal aborts. */
  abort(why: unknown): void {
    if (this.reason) return;
    this.reason = { why };
    this.controller?.abort(why);
    this.stop?.(why);
  }

  /** Runs `fn` (through the gate when there is one); a promise it returns gets the wiring. */
  run(fn: () => unknown, gate: RequestGate | undefined): unknown {
    const outcome = gate ? gate.enter(fn) : fn();
    return isPromiseLike(outcome) ? this.wire(outcome) : outcome;
  }

  private async wire(work: PromiseLike<unknown>): Promise<unknown> {
    const { inFlight } = this.connection;
    inFlight.add(this);
    const timer =
      this.limitMs > 0 ? setTimeout(() => this.abort(this.timedOut()), this.limitMs) : undefined;
    try {
      return await new Promise<unknown>((resolve, reject) => {
        if (this.reason) return reject(this.reason.why);
        this.stop = reject;
        work.then(resolve, reject);
      });
    } finally {
      clearTimeout(timer);
      inFlight.delete(this);
      this.stop = undefined;
    }
  }

  private timedOut(): AppError {
    return new AppError('TIMEOUT', `${this.method} took longer than ${this.limitMs} ms`);
  }
}
