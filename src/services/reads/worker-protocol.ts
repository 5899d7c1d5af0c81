/**
 * The messages between the read pool and its workers (structured clones, one request
 * and one reply per read, matched by id).
 */
import type { ErrorCode } from '../../core/errors.js';

/** What a worker is started with. */
export interface WorkerSetup {
  path: string;
  busyTimeoutMs: number;
}

export interface WorkerRequest {
  id: number;
  name: string;
  args: unknown;
  /** Answer the value as JSON text (see Reads.runJson). */
  json: boolean;
}

export type WorkerReply =
  | { id: number; ok: true; value: unknown }
  | {
      id: number;
      ok: false;
      /** An AppError keeps its code and data; anything else is a bug, reported as INTERNAL. */
      error: { code?: ErrorCode; message: string; data?: Record<string, unknown> | undefined };
    };
