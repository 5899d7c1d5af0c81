/**
 * What the MCP tool layer needs from whatever carries its calls to the daemon: the stdio
 * shim's socket client, or the daemon's own dispatcher when MCP is served over HTTP.
 * The layer knows no transport; it sees a `ToolSession` (the connection's one aistack
 * session, which adds its credentials to the calls that need them) and failures that
 * carry one of the daemon's stable error codes.
 */
import { ERROR_CODE_NAMES, type ErrorCode } from '../core/errors.js';
import type { SessionInfo } from '../protocol/session.js';
import type { ResultOf } from '../protocol/table.js';

/** A failed call as the daemon answered it: a stable code, its message, its data. */
export interface CallFailure extends Error {
  readonly code: ErrorCode;
  readonly data?: Record<string, unknown> | undefined;
}

const CODES = new Set<string>(ERROR_CODE_NAMES);

/** Whether `err` is the daemon's answer (an error with one of its codes), not a local fault. */
export function isCallFailure(err: unknown): err is CallFailure {
  return err instanceof Error && CODES.has((err as { code?: unknown }).code as string);
}

/** Sends one method call to the daemon; rejects with a `CallFailure` for an error reply. */
export interface Caller {
  call(method: string, params: Record<string, unknown>, timeoutMs?: number): Promise<unknown>;
}

export type StartParams = { metadata?: Record<string, unknown>; idleTimeoutMinutes?: number };

/** One MCP connection's aistack session, as the tools use it. */
export interface ToolSession {
  /** Calls a method, with the session's credentials added when `withSession`. */
  call(method: string, params: Record<string, unknown>, withSession: boolean): Promise<unknown>;
  /** `session_start`: the current session, or a fresh one (with these params) if none. */
  start(params: StartParams): Promise<{ started: boolean; session: SessionInfo }>;
  /** `session_end`: ends the session; the next call opens a fresh one. */
  end(): Promise<ResultOf<'session.end'> | { ended: false; reason: string }>;
  /** `session_status`: the session, opening one if none is active. */
  status(): Promise<{ session: SessionInfo }>;
  /** `session_active`: whether a session is active now; never opens one. */
  active(): Promise<{ active: boolean; session: SessionInfo | null }>;
  /** What happened to the session since the last result (told to the model once). */
  takeNotes(): string[];
}
