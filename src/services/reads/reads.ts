/**
 * How services run the reads that can be slow (read-tasks.ts): `reads.run(name, args,
 * call)`. The daemon gives them a ReadPool (worker threads, each with its own read-only
 * connection; read-pool.ts) unless `daemon.readWorkers` is 0; then, and wherever a
 * service is built without one (the benchmark's in-process baseline), InlineReads runs
 * the same task on the calling thread over the connection it already has.
 */
import { JsonText } from '../../core/json-text.js';
import {
  runReadTask,
  type ReadArgs,
  type ReadResult,
  type ReadSource,
  type ReadTaskName,
} from './read-tasks.js';

/** Who a read is for and when to give up on it. */
export interface ReadCall {
  /** Whose line the read waits in (a connection): lines are served round-robin. */
  key: string | number;
  /** Aborted when the request ends (connection closed, request timeout, shutdown). */
  signal?: AbortSignal | undefined;
  /** What the read is for, in a TIMEOUT message (the method name). */
  label?: string | undefined;
}

export interface Reads {
  run<K extends ReadTaskName>(name: K, args: ReadArgs<K>, call: ReadCall): Promise<ReadResult<K>>;
  /**
   * The same, answered as JSON text made where the read ran: for results that go
   * straight into a reply (a list page), so the main thread copies one string instead of
   * cloning objects and serializing them again.
   */
  runJson<K extends ReadTaskName>(
    name: K,
    args: ReadArgs<K>,
    call: ReadCall,
  ): Promise<JsonText<ReadResult<K>>>;
  /** Stops the workers (shutdown, or before a restore swaps the file); reads after this fail. */
  close(): Promise<void>;
}

/** The reads on the calling thread, as before the pool (`daemon.readWorkers: 0`). */
export class InlineReads implements Reads {
  constructor(private readonly source: ReadSource) {}

  run<K extends ReadTaskName>(name: K, args: ReadArgs<K>, call: ReadCall): Promise<ReadResult<K>> {
    try {
      call.signal?.throwIfAborted();
      return Promise.resolve(runReadTask(this.source, name, args));
    } catch (err) {
      return Promise.reject(err as Error);
    }
  }

  async runJson<K extends ReadTaskName>(
    name: K,
    args: ReadArgs<K>,
    call: ReadCall,
  ): Promise<JsonText<ReadResult<K>>> {
    return new JsonText(JSON.stringify(await this.run(name, args, call)));
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
