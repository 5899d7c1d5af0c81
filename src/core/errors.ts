/**
 * The one error family of the domain. A service throws `AppError` with a stable string
 * code (`ACCESS_DENIED`, `NOT_FOUND`, …) and a message meant for the caller; it knows
 * nothing of JSON-RPC. Only the edges (dispatch, the HTTP adapter) turn a code into a
 * wire number, through `protocol/error-codes.ts`. Anything that is not an AppError is a
 * bug and leaves the daemon as INTERNAL with a generic message, never its stack.
 */

export const ERROR_CODE_NAMES = [
  'PARSE_ERROR',
  'INVALID_REQUEST',
  'METHOD_NOT_FOUND',
  'INVALID_PARAMS',
  'INTERNAL',
  'ACCESS_DENIED',
  'SESSION_REQUIRED',
  'SESSION_INVALID',
  'NOT_FOUND',
  'CONFLICT',
  'FEATURE_DISABLED',
  'PROVIDER_FAILURE',
  'PAYLOAD_TOO_LARGE',
  'BUSY',
  'TIMEOUT',
  'SHUTTING_DOWN',
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'CONNECTION_CLOSED',
  'RATE_LIMITED',
] as const;

export type ErrorCode = (typeof ERROR_CODE_NAMES)[number];

export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly data?: Record<string, unknown>,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'AppError';
  }
}

/** The `code` of the error the HTTP listener raises for a body that is not JSON (dispatch answers it PARSE_ERROR). */
export const INVALID_JSON_BODY = 'AISTACK_INVALID_JSON';
