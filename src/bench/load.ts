/**
 * A load generator: a worker thread (load-worker.ts) holding C client connections to one
 * server, driven one command at a time. The bench measures every socket cell through
 * one, the daemon's and the minimal server's alike, so both are measured by the same
 * client from the same place; two at once make the noisy-neighbour cell.
 */
import { Worker } from 'node:worker_threads';
import type { Summary } from './measure.js';
import type { OpData, OpName } from './load-ops.js';

export type LoadCommand =
  | {
      kind: 'connect';
      socket: string;
      token: string | undefined;
      clients: number;
      sessions: boolean;
    }
  | { kind: 'run'; op: OpName; concurrency: number; durationMs: number }
  | { kind: 'close' };

export type LoadReply =
  { kind: 'ready' } | { kind: 'result'; summary: Summary } | { kind: 'error'; message: string };

/** The server a load generator talks to; `cpuMs` (when given) prices each call in server CPU. */
export interface Target {
  socket: string;
  token: string | undefined;
  cpuMs?: () => number | undefined;
}

export class LoadGenerator {
  private constructor(
    private readonly worker: Worker,
    private readonly target: Target,
  ) {}

  /** Starts a worker and connects `clients` clients (each with a session when `sessions`). */
  static async connect(
    data: OpData,
    target: Target,
    clients: number,
    sessions = false,
  ): Promise<LoadGenerator> {
    const worker = new Worker(new URL('./load-worker.js', import.meta.url), { workerData: data });
    const load = new LoadGenerator(worker, target);
    try {
      const { socket, token } = target;
      await load.send({ kind: 'connect', socket, token, clients, sessions });
    } catch (err) {
      await worker.terminate();
      throw err;
    }
    return load;
  }

  private send(command: LoadCommand): Promise<LoadReply> {
    return new Promise((resolve, reject) => {
      const onError = (err: Error) => reject(err);
      this.worker.once('error', onError);
      this.worker.once('message', (reply: LoadReply) => {
        this.worker.off('error', onError);
        if (reply.kind === 'error') reject(new Error(`load worker: ${reply.message}`));
        else resolve(reply);
      });
      this.worker.postMessage(command);
    });
  }

  /** Runs `op` from `concurrency` of the clients in closed loops for `durationMs`. */
  async run(op: OpName, concurrency: number, durationMs: number): Promise<Summary> {
    const cpu0 = this.target.cpuMs?.();
    const reply = await this.send({ kind: 'run', op, concurrency, durationMs });
    const cpu1 = this.target.cpuMs?.();
    if (reply.kind !== 'result') throw new Error('load worker: expected a result');
    const { summary } = reply;
    if (cpu0 === undefined || cpu1 === undefined || summary.ops === 0) return summary;
    return { ...summary, serverCpuUsPerOp: Math.round(((cpu1 - cpu0) * 1000) / summary.ops) };
  }

  async close(): Promise<void> {
    await this.send({ kind: 'close' });
    await this.worker.terminate();
  }
}
