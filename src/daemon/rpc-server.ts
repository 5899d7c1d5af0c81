/**
 * The socket server wired to the dispatcher: each accepted connection gets a dispatch
 * connection (its requests in flight, aborted when it closes), each framed line goes to
 * dispatch, the dispatcher's guard paces the connection's reading (its in-flight cap,
 * slowing a connection that keeps being refused, closing it), and the lines the
 * transport sends on its own — past the connection cap, an oversized line, a connection
 * arriving while the daemon stops, an idle or half-sent connection closed — are built by
 * the dispatcher, so they are counted and audited on the same path as every other error.
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
    case 'idle':
      return dispatcher.guard.timeoutLine('idle', reason.idleTimeoutMs, connection);
    case 'partial-line':
      return dispatcher.guard.timeoutLine('partial-line', reason.partialLineTimeoutMs, connection);
  }
}

export function createRpcServer(deps: {
  dispatcher: Dispatcher;
  config: () => Config;
  logger: Logger;
}): SocketServer {
  const { dispatcher } = deps;
  const { daemon } = deps.config();
  dispatcher.guard.setLimits(daemon);
  return new SocketServer({
    maxConnections: daemon.maxConnections,
    maxLineBytes: daemon.maxLineBytes,
    idleTimeoutMs: daemon.idleTimeoutMs,
    partialLineTimeoutMs: daemon.partialLineTimeoutMs,
    logger: deps.logger,
    accept(connection) {
      const dc = dispatcher.connect({
        id: connection.id,
        notify: (method, params) =>
          connection.send(JSON.stringify({ jsonrpc: '2.0', method, params })),
      });
      const { guard } = dispatcher;
      return {
        onLine: (line) => dispatcher.handleLine(line, dc),
        onClose: () => dispatcher.disconnect(dc),
        pace: () => guard.pace(dc),
        lastWords: () => guard.lastWords(dc),
        waiting: () => dc.subscriptions.size > 0,
      };
    },
    refusal: (reason, connection) => refusalLine(dispatcher, reason, connection),
  });
}
