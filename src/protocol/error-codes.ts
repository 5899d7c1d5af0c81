/**
 * Error codes on the wire: each stable string code next to its JSON-RPC number and what
 * it means. The README prints this table (a test keeps the two equal); dispatch and the
 * clients are the only readers, so the domain never depends on a wire number.
 */
import type { ErrorCode } from '../core/errors.js';

export type { ErrorCode } from '../core/errors.js';

export const ERROR_NUMBERS = {
  PARSE_ERROR: -32700,
  INVALID_REQUEST: -32600,
  METHOD_NOT_FOUND: -32601,
  INVALID_PARAMS: -32602,
  INTERNAL: -32603,
  ACCESS_DENIED: -32001,
  SESSION_REQUIRED: -32002,
  SESSION_INVALID: -32003,
  NOT_FOUND: -32004,
  CONFLICT: -32005,
  FEATURE_DISABLED: -32006,
  PROVIDER_FAILURE: -32007,
  PAYLOAD_TOO_LARGE: -32008,
  BUSY: -32009,
  TIMEOUT: -32010,
  SHUTTING_DOWN: -32011,
  UNAUTHENTICATED: -32012,
  FORBIDDEN: -32013,
  CONNECTION_CLOSED: -32014,
  RATE_LIMITED: -32015,
} as const satisfies Record<ErrorCode, number>;

export const ERROR_DESCRIPTIONS: Record<ErrorCode, string> = {
  PARSE_ERROR: 'The line is not valid JSON.',
  INVALID_REQUEST: 'The JSON is not a JSON-RPC 2.0 request.',
  METHOD_NOT_FOUND: 'No such method (see `system.methods`).',
  INVALID_PARAMS: 'Parameters failed validation; `data.issues` lists each field and why.',
  INTERNAL: 'An unexpected failure inside the daemon; details are in its log, not on the wire.',
  ACCESS_DENIED: 'The namespace belongs to another session.',
  SESSION_REQUIRED: 'This method needs `sessionId` and `sessionToken`.',
  SESSION_INVALID: 'Unknown or ended session, or a wrong token.',
  NOT_FOUND: 'The thing named does not exist (or is not visible to the caller).',
  CONFLICT: 'The request conflicts with the current state (e.g. an invalid task transition).',
  FEATURE_DISABLED: 'The feature is off in the configuration.',
  PROVIDER_FAILURE:
    'An outside service (LLM provider, gh) failed; the message says which and what to check.',
  PAYLOAD_TOO_LARGE:
    'A line over `daemon.maxLineBytes` (the connection is closed), or an HTTP body over `http.bodyLimitBytes`.',
  BUSY: 'Too many connections or requests (or a restore holds requests too long); retry later.',
  TIMEOUT:
    'The call took longer than its limit (`daemon.requestTimeoutMs` unless the method has its own; `daemon.queryTimeoutMs` for one read on a read worker); its work was stopped.',
  UNAUTHENTICATED:
    'This connection has not authenticated (or its token was revoked or expired): call `auth.hello` with the owner token from `<data dir>/owner.token` or a scoped token.',
  FORBIDDEN: 'The token this connection presented lacks the scope this method needs.',
  RATE_LIMITED:
    'Over HTTP: this token made more requests than `http.rateLimit` allows; `data.retryAfterSeconds` (and the Retry-After header) say when to retry.',
  SHUTTING_DOWN:
    'The daemon is stopping. With `data.notStarted` nothing ran and a retry is safe; without it, the call was cut off.',
  CONNECTION_CLOSED:
    "The daemon's last line on a connection it closes (id null); `data.reason` says why: `idle`, `partial-line` or `refusals` (see Connections). Nothing sent after it runs.",
};

/**
 * Which refusals leave an audit record, and who writes it: `dispatch` writes a generic
 * `request.refused` (method, code, connection); `access` means access control writes a
 * detailed record itself (session, namespace, never the token); `no` are ordinary
 * answers (a missing key, a conflict, a slow provider) or the daemon's own trouble
 * (INTERNAL, logged with its cause), not refusals of the caller.
 */
export const ERROR_AUDIT: Record<ErrorCode, 'dispatch' | 'access' | 'no'> = {
  PARSE_ERROR: 'dispatch',
  INVALID_REQUEST: 'dispatch',
  METHOD_NOT_FOUND: 'dispatch',
  INVALID_PARAMS: 'dispatch',
  INTERNAL: 'no',
  ACCESS_DENIED: 'access',
  SESSION_REQUIRED: 'dispatch',
  SESSION_INVALID: 'access',
  NOT_FOUND: 'no',
  CONFLICT: 'no',
  FEATURE_DISABLED: 'dispatch',
  PROVIDER_FAILURE: 'no',
  PAYLOAD_TOO_LARGE: 'dispatch',
  BUSY: 'dispatch',
  TIMEOUT: 'no',
  SHUTTING_DOWN: 'no',
  UNAUTHENTICATED: 'dispatch',
  FORBIDDEN: 'dispatch',
  CONNECTION_CLOSED: 'no',
  // Counted per token in /metrics; auditing each one would let a flood fill the audit log.
  RATE_LIMITED: 'no',
};

const CODE_BY_NUMBER = new Map<number, ErrorCode>(
  Object.entries(ERROR_NUMBERS).map(([k, v]) => [v, k as ErrorCode]),
);

/** The stable code for a JSON-RPC number, when it is one of ours. */
export function errorCodeName(code: number): ErrorCode | undefined {
  return CODE_BY_NUMBER.get(code);
}
