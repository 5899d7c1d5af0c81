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

export interface SessionCreds {
  sessionId: string;
  sessionToken: string;
}

/** What a transport gives the shared session (caller-session.ts). */
export interface CallerSessionOptions {
  caller: Caller;
  /** How the client reaches the daemon, recorded in each session's metadata. */
  via: string;
  /** More metadata recorded with every session opened (the token's name, the pid). */
  metadata?: Record<string, unknown>;
  /** The idle timeout of each session opened (default: the daemon's). */
  idleTimeoutMinutes?: () => number | undefined;
  /**
   * Makes sure the transport is up before a session is used or opened (the shim
   * reconnects here, and calls `suspect()` when the connection is a new one).
   */
  connect?: () => Promise<void>;
  /** Whether the transport is up now (default: always). */
  connected?: () => boolean;
  /** Join this session instead of opening one; `refused` is thrown when it is not active. */
  join?: { creds: SessionCreds; refused: () => Error } | undefined;
  /** Leave the session open when the connection closes. */
  keep?: boolean;
  /** How long `close()` waits for a session being opened (default: until it is). */
  closeWaitMs?: number;
  /** The limit on `close()`'s session.end (default: the caller's). */
  closeTimeoutMs?: number;
  /** The words of the error a call after `close()` gets. */
  closedMessage?: string;
  log(message: string): void;
}

/** A call on a session whose connection is closing or closed. */
export class SessionClosedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SessionClosedError';
  }
}
