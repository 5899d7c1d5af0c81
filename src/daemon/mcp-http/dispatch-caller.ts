/**
 * The MCP tool layer's `Caller` inside the daemon: each call goes through the same
 * dispatcher entry the REST routes use (`Dispatcher.call`), on the MCP session's own
 * dispatch connection, which carries the HTTP principal. So a tool call over /mcp gets
 * the scope check, the zod validation, the audit records and the error path of any
 * other request; an error reply becomes a `CallFailure` with the daemon's stable code.
 */
import type { ErrorCode } from '../../core/errors.js';
import { JsonText } from '../../core/json-text.js';
import type { Caller, CallFailure } from '../../mcp/caller.js';
import type { DispatchConnection, Dispatcher } from '../../rpc/dispatch.js';

/** An error reply of the dispatcher, as the MCP layer reads it. */
export class DispatchFailure extends Error implements CallFailure {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly data: Record<string, unknown> | undefined,
  ) {
    super(message);
    this.name = 'DispatchFailure';
  }
}

export function dispatchCaller(dispatcher: Dispatcher, connection: DispatchConnection): Caller {
  return {
    async call(method, params) {
      const reply = await dispatcher.call(method, params, connection);
      if ('error' in reply) {
        const { code, ...data } = reply.error.data;
        throw new DispatchFailure(code, reply.error.message, data);
      }
      return reply.result instanceof JsonText ? reply.result.parse() : reply.result;
    },
  };
}
