/**
 * Reading one framed line as JSON-RPC 2.0: a single message or a batch, each element
 * either a well-formed request (or notification) or an invalid one. Validation follows
 * the specification's section 4: `jsonrpc` is exactly "2.0", `method` a string, `params`
 * absent or a structured value, `id` absent (a notification), a string, a number or
 * null. An invalid element is answered with id null, as section 5 says, whatever id it
 * carried, and never stops the valid elements of its batch.
 */

export type RequestId = string | number | null;

export interface ValidRequest {
  kind: 'request';
  method: string;
  params: unknown;
  /** Undefined for a notification, which gets no reply. */
  id: RequestId | undefined;
}

export interface InvalidRequest {
  kind: 'invalid';
  reason: string;
}

export type Message = ValidRequest | InvalidRequest;

export type Frame =
  | { kind: 'parse-error' }
  | { kind: 'single'; message: Message }
  | { kind: 'batch'; messages: Message[] }
  | { kind: 'empty-batch' };

const isPlainObject = (x: unknown): x is Record<string, unknown> =>
  typeof x === 'object' && x !== null && !Array.isArray(x);

function readMessage(x: unknown): Message {
  if (!isPlainObject(x)) return { kind: 'invalid', reason: 'expected a JSON-RPC request object' };
  if (x.jsonrpc !== '2.0') return { kind: 'invalid', reason: 'jsonrpc must be exactly "2.0"' };
  if (typeof x.method !== 'string') return { kind: 'invalid', reason: 'method must be a string' };
  if ('params' in x && (typeof x.params !== 'object' || x.params === null)) {
    return { kind: 'invalid', reason: 'params must be an object or an array' };
  }
  if ('id' in x) {
    const { id } = x;
    if (id !== null && typeof id !== 'string' && typeof id !== 'number') {
      return { kind: 'invalid', reason: 'id must be a string, a number or null' };
    }
    return { kind: 'request', method: x.method, params: x.params, id };
  }
  return { kind: 'request', method: x.method, params: x.params, id: undefined };
}

export function readFrame(line: string): Frame {
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch {
    return { kind: 'parse-error' };
  }
  return readParsed(parsed);
}

/** A frame already parsed from JSON (an HTTP body). */
export function readParsed(parsed: unknown): Frame {
  if (!Array.isArray(parsed)) return { kind: 'single', message: readMessage(parsed) };
  if (parsed.length === 0) return { kind: 'empty-batch' };
  return { kind: 'batch', messages: parsed.map(readMessage) };
}
