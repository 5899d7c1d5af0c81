/**
 * Each error code's HTTP status, once. The REST routes answer an error with this status
 * and the same error object a JSON-RPC reply carries (`{error: {code, message, data}}`,
 * `data.code` the stable string), so a client handles both the same way. `POST
 * /api/v1/rpc` answers 200 with JSON-RPC replies, as JSON-RPC over HTTP does; only what
 * is refused before any request is read (Host/Origin, token, size, rate) has its own
 * status there too. The README prints this table.
 */
import type { ErrorCode } from '../core/errors.js';
import { ERROR_NUMBERS } from './error-codes.js';

export const ERROR_HTTP_STATUS = {
  PARSE_ERROR: 400,
  INVALID_REQUEST: 400,
  METHOD_NOT_FOUND: 404,
  INVALID_PARAMS: 400,
  INTERNAL: 500,
  ACCESS_DENIED: 403,
  SESSION_REQUIRED: 400,
  SESSION_INVALID: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  FEATURE_DISABLED: 501,
  PROVIDER_FAILURE: 502,
  PAYLOAD_TOO_LARGE: 413,
  BUSY: 503,
  TIMEOUT: 504,
  SHUTTING_DOWN: 503,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  // The socket's last line on a connection it closes; an HTTP request never gets it.
  CONNECTION_CLOSED: 503,
  RATE_LIMITED: 429,
} as const satisfies Record<ErrorCode, number>;

/** The error object of an HTTP answer: what a JSON-RPC error reply holds under `error`. */
export interface HttpErrorBody {
  error: { code: number; message: string; data: { code: ErrorCode } & Record<string, unknown> };
}

/** An error body for a refusal made before dispatch (Host/Origin, token, size, rate). */
export function httpErrorBody(
  code: ErrorCode,
  message: string,
  data: Record<string, unknown> = {},
): HttpErrorBody {
  return { error: { code: ERROR_NUMBERS[code], message, data: { ...data, code } } };
}
