/**
 * The socket server wired to the dispatcher: each accepted connection gets a dispatch
 * connection (its requests in flight, aborted when it closes), each framed line goes to
 * dispatch, and the lines the transport sends on its own — past the connection cap, an
 * oversized line, a connection arriving while the daemon stops — are built by the
 * dispatcher, so they are counted and audited on the same path as every other error.
 */
import type { Logger } from 'pino';
import type { Config } from '../config/schema.js';
import type { Dispatcher } from '../rpc/dispatch.js';
import { SocketServer, type RefusalReason } from '../transport/socket-server.js';

function refusalLine(dispatcher: Dispatcher, reason: RefusalReason, connection: number): string {
  switch (reason.kind) {
    case 'busy':
      return dispatcher.refusalLine(
        'BUSY',
        `too many connections (limit ${reason.maxConnections}); try again shortly`,
        connection,
      );
    case 'stopping':
      return dispatcher.refusalLine(
        'SHUTTING_DOWN',
        'the daemon is stopping; try again in a moment (a client that autostarts waits for it to finish)',
        connection,
        { notStarted: true },
      );
    case 'oversized':
      return dispatcher.refusalLine(
        'PAYLOAD_TOO_LARGE',
        `message larger than ${reason.maxLineBytes} bytes; closing the connection`,
        connection,
        { maxLineBytes: reason.maxLineBytes },
      );
  }
}

export function createRpcServer(deps: {
  dispatcher: Dispatcher;
  config: () => Config;
  logger: Logger;
}): SocketServer {
  const { dispatcher } = deps;
  const { daemon } = deps.config();
  return new SocketServer({
    maxConnections: daemon.maxConnections,
    maxLineBytes: daemon.maxLineBytes,
    logger: deps.logger,
    accept(connection) {
      const dc = dispatcher.connect({
        id: connection.id,
        notify: (method, params) =>
          connection.send(JSON.stringify({ jsonrpc: '2.0', method, params })),
      });
      return {
        onLine: (line) => dispatcher.handleLine(line, dc),
        onClose: () => dispatcher.disconnect(dc),
      };
    },
    refusal: (reason, connection) => refusalLine(dispatcher, reason, connection),
  });
}
