/**
 * The socket server wired to the dispatcher: each framed line goes to dispatch, an
 * oversized line or a connection past the cap gets its one-line JSON-RPC error, and
 * handlers see a connection only through the narrow ConnectionInfo.
 */
import type { Logger } from 'pino';
import type { Config } from '../config/schema.js';
import { errorLine, type ConnectionInfo, type Dispatcher } from '../rpc/dispatch.js';
import type { AuditSink } from '../services/audit/audit-sink.js';
import { SocketServer, type Connection } from '../transport/socket-server.js';

/**
 * Refusals worth a generic audit record; NOT_FOUND and the like are ordinary answers,
 * and ACCESS_DENIED / SESSION_INVALID are audited with their details by access control.
 */
const AUDITED_CODES = new Set([
  'PARSE_ERROR',
  'INVALID_REQUEST',
  'METHOD_NOT_FOUND',
  'INVALID_PARAMS',
  'SESSION_REQUIRED',
  'PAYLOAD_TOO_LARGE',
  'FEATURE_DISABLED',
]);

/** Writes the generic audit record for a refused request, when its code is one worth one. */
export function auditRefusal(
  audit: AuditSink,
  e: { code: string } & Record<string, unknown>,
): void {
  if (AUDITED_CODES.has(e.code)) audit.record('request.refused', e);
}

function toInfo(c: Connection): ConnectionInfo {
  return {
    id: c.id,
    get closed() {
      return c.closed;
    },
    notify: (method, params) => c.send(JSON.stringify({ jsonrpc: '2.0', method, params })),
    onClose: (l) => c.onClose(l),
  };
}

export function createRpcServer(deps: {
  dispatcher: Dispatcher;
  config: Config;
  logger: Logger;
  audit: AuditSink;
}): SocketServer {
  const { dispatcher, config, audit } = deps;
  return new SocketServer({
    maxConnections: config.daemon.maxConnections,
    maxLineBytes: config.daemon.maxLineBytes,
    logger: deps.logger,
    onLine: (line, c) => dispatcher.handleLine(line, toInfo(c)),
    onOverflow: (c) => {
      dispatcher.metrics.request('(oversized)');
      dispatcher.metrics.error('(oversized)');
      audit.record('request.refused', { code: 'PAYLOAD_TOO_LARGE', connection: c.id });
    },
    overflowReply: (max) =>
      errorLine(
        null,
        'PAYLOAD_TOO_LARGE',
        `message larger than ${max} bytes; closing the connection`,
        {
          code: 'PAYLOAD_TOO_LARGE',
          maxLineBytes: max,
        },
      ),
    busyReply: (max) =>
      errorLine(null, 'BUSY', `too many connections (limit ${max}); try again shortly`, {
        code: 'BUSY',
      }),
  });
}
