/**
 * The socket server wired to the dispatcher: each framed line goes to dispatch, an
 * oversized line or a connection past the cap gets its one-line JSON-RPC error, and
 * handlers see a connection only through the narrow ConnectionInfo.
 */
import type { Logger } from 'pino';
import type { Config } from '../config/schema.js';
import { errorLine, type Dispatcher } from '../rpc/dispatch.js';
import type { ConnectionInfo } from '../rpc/method.js';
import type { AuditSink } from '../services/audit.js';
import { SocketServer, type Connection } from '../transport/socket-server.js';

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
