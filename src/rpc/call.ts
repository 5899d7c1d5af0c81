/**
 * Running one handler with its lifetime wired up. Most calls (a point read, a ping)
 * finish synchronously, and such a call can be cut off neither by its time limit nor by
 * its connection closing — neither can happen while it runs — so it gets no
 * AbortController, no timer and no promise: its value comes back as is. A handler that
 * returns a promise gets the full wiring: a controller in its connection's in-flight set
 * (closing the connection or stopping the daemon aborts it), a timer for its limit, and
 * its answer raced against the signal. The signal a handler reads from its context is
 * made on first use, and is the one the wiring aborts.
 */
import { AppError } from '../core/errors.js';
import { isPromiseLike } from '../core/promise-like.js';
import type { RequestGate } from '../core/request-gate.js';
import { untilAborted, type DispatchConnection } from './dispatch-connection.js';

export class Call {
  private controller: AbortController | undefined;

  constructor(
    private readonly connection: DispatchConnection,
    /** The method called, named in the TIMEOUT it is aborted with past its limit. */
    private readonly method: string,
    /** The call's time limit (0: none). */
    private readonly limitMs: number,
  ) {}

  /** Aborted when the connection closes, the call runs past its limit, or the daemon stops. */
  get signal(): AbortSignal {
    return (this.controller ??= new AbortController()).signal;
  }

  /** Runs `fn` (through the gate when there is one); a promise it returns gets the wiring. */
  run(fn: () => unknown, gate: RequestGate | undefined): unknown {
    const outcome = gate ? gate.enter(fn) : fn();
    return isPromiseLike(outcome) ? this.wire(outcome) : outcome;
  }

  private async wire(work: PromiseLike<unknown>): Promise<unknown> {
    const controller = (this.controller ??= new AbortController());
    const { inFlight } = this.connection;
    inFlight.add(controller);
    const timer =
      this.limitMs > 0
        ? setTimeout(() => controller.abort(this.timedOut()), this.limitMs)
        : undefined;
    try {
      return await untilAborted(Promise.resolve(work), controller.signal);
    } finally {
      clearTimeout(timer);
      inFlight.delete(controller);
    }
  }

  private timedOut(): AppError {
    return new AppError('TIMEOUT', `${this.method} took longer than ${this.limitMs} ms`);
  }
}
