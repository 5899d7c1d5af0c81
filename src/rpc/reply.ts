/**
 * Replies on their way out: their type, the line a frame's replies become (a result
 * already serialized by a read worker, a JsonText, is spliced in as is), and the check of
 * a result against its method's schema that tests turn on (AISTACK_CHECK_RESULTS).
 */
import { JsonText } from '../core/json-text.js';
import type { MethodSpec } from '../protocol/method.js';
import type { RequestId } from './envelope.js';
import type { ErrorReply } from './error-path.js';

export type Reply = { jsonrpc: '2.0'; id: RequestId; result: unknown } | ErrorReply;

/** The line for what a frame answered: one reply, a batch's replies, or nothing. */
export function lineOf(reply: Reply | Reply[] | null): string | null {
  if (reply === null) return null;
  return Array.isArray(reply) ? `[${reply.map(replyText).join(',')}]` : replyText(reply);
}

/** A reply as one JSON text; a result already serialized (JsonText) is spliced in as is. */
function replyText(reply: Reply): string {
  if ('result' in reply && reply.result instanceof JsonText) {
    return `{"jsonrpc":"2.0","id":${JSON.stringify(reply.id)},"result":${reply.result.text}}`;
  }
  return JSON.stringify(reply);
}

/** Throws when `result` does not match the method's declared result schema. */
export function checkResult(spec: MethodSpec, result: unknown): void {
  const value = result instanceof JsonText ? result.parse() : result;
  const checked = spec.result.safeParse(value === undefined ? null : value);
  if (!checked.success) {
    throw new Error(
      `${spec.name} returned a result that does not match its declared schema: ${JSON.stringify(checked.error.issues).slice(0, 2000)}`,
    );
  }
}
