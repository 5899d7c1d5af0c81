/**
 * A read pool worker (a thread of the daemon): opens its own read-only connection to the
 * database file and runs named read tasks (read-tasks.ts) as the pool sends them, one at
 * a time, each inside one read transaction so all of its statements see the same
 * snapshot. The pool stops a worker that runs too long by terminating the thread, which
 * is safe because nothing here writes.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { AppError } from '../../core/errors.js';
import { openReadOnlyDatabase } from '../../store/database.js';
import { EmbeddingStore } from '../../store/embeddings/embedding-store.js';
import { MemoryStore } from '../../store/memory/memory-store.js';
import { runReadTask, type ReadTaskName } from './read-tasks.js';
import type { WorkerReply, WorkerRequest, WorkerSetup } from './worker-protocol.js';

const setup = workerData as WorkerSetup;
const db = openReadOnlyDatabase({ path: setup.path, busyTimeoutMs: setup.busyTimeoutMs });
const source = { memory: new MemoryStore(db), embeddings: new EmbeddingStore(db) };
const inSnapshot = db.transaction((fn: () => unknown) => fn());

function reply(req: WorkerRequest): WorkerReply {
  try {
    const value = inSnapshot(() =>
      runReadTask(source, req.name as ReadTaskName, req.args as never),
    );
    return { id: req.id, ok: true, value: req.json ? JSON.stringify(value) : value };
  } catch (err) {
    if (err instanceof AppError) {
      return {
        id: req.id,
        ok: false,
        error: { code: err.code, message: err.message, data: err.data },
      };
    }
    return { id: req.id, ok: false, error: { message: (err as Error)?.message ?? String(err) } };
  }
}

parentPort!.on('message', (req: WorkerRequest) => parentPort!.postMessage(reply(req)));
// The pool starts a read's time limit from here, not from the thread's start.
parentPort!.postMessage({ ready: true });
