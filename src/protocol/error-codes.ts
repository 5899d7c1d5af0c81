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
} as const satisfies Record<ErrorCode, number>;

export const ERROR_DESCRIPTIONS: Record<ErrorCode, string> = {
  PARSE_ERROR: 'The line is not valid JSON.',
  INVALID_REQUEST: 'The JSON is not a JSON-RPC 2.0 request.',
  METHOD_NOT_FOUND: 'No such method (see `system.methods`).',
  INVALID_PARAMS: 'Parameters failed validation; `data.issues` lists each field and why.',
  INTERNAL: 'An unexpected failure inside the daemon; details are in its log, not on the wire.',
  ACCESS_DENIED: 'The namespace belongs to another session. Refusals are audited.',
  SESSION_REQUIRED: 'This method needs `sessionId` and `sessionToken`.',
  SESSION_INVALID: 'Unknown or ended session, or a wrong token. Refusals are audited.',
  NOT_FOUND: 'The thing named does not exist (or is not visible to the caller).',
  CONFLICT: 'The request conflicts with the current state (e.g. an invalid task transition).',
  FEATURE_DISABLED: 'The feature is off in the configuration.',
  PROVIDER_FAILURE:
    'An outside service (LLM provider, gh) failed; the message says which and what to check.',
  PAYLOAD_TOO_LARGE: 'A line over `daemon.maxLineBytes`; the connection is closed.',
  BUSY: 'Too many connections or requests; retry later.',
  TIMEOUT: 'The operation took longer than its limit.',
  SHUTTING_DOWN: 'The daemon is stopping and takes no new requests.',
};

const CODE_BY_NUMBER = new Map<number, ErrorCode>(
  Object.entries(ERROR_NUMBERS).map(([k, v]) => [v, k as ErrorCode]),
);

/** The stable code for a JSON-RPC number, when it is one of ours. */
export function errorCodeName(code: number): ErrorCode | undefined {
  return CODE_BY_NUMBER.get(code);
}
