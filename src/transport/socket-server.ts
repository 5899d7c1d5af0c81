/**
 * The Unix-socket server: accepts connections up to a cap, frames lines, hands each to
 * its connection's `onLine` and writes back whatever it answers. It knows nothing of
 * JSON-RPC: the lines it sends on its own (a connection past the cap, a line too long,
 * a connection that arrives while the daemon stops) are built by the caller, which
 * counts and audits them on the one error path. Requests on one connection run
 * concurrently and answer in completion order (ids tell them apart).
 *
 * Stopping has three steps, so the daemon can keep answering while it drains:
 * `refuseNew()` (new connections get the refusal line, the socket stays bound so
 * nobody mistakes a stopping daemon for a dead one), `drain()` (wait, bounded, for
 * requests in flight), and `close()`.
 */
import { createServer, type Server, type Socket } from 'node:net';
import type { Logger } from 'pino';
import { LineFramer } from './line-framer.js';

/** What the server's user sees of one connection. */
export interface Connection {
  readonly id: number;
  readonly openedAt: number;
  /** Sends one message (already serialized, without newline); false once closed. */
  send(line: string): boolean;
  readonly closed: boolean;
}

/** What the server's user attaches to each accepted connection. */
export interface ConnectionHandler {
  onLine(line: string): Promise<string | null>;
  /** The connection is gone (either side closed it); called once. */
  onClose(): void;
}

export type RefusalReason =
  | { kind: 'busy'; maxConnections: number }
  | { kind: 'stopping' }
  | { kind: 'oversized'; maxLineBytes: number };

export interface SocketServerOptions {
  maxConnections: number;
  maxLineBytes: number;
  logger: Logger;
  /** Called for each accepted connection; what it returns receives the connection's lines. */
  accept(connection: Connection): ConnectionHandler;
  /** The line sent before closing a connection the server refuses (counted and audited by the caller). */
  refusal(reason: RefusalReason, connectionId: number): string;
}

/** How long a refused connection may linger for the client to read why before it is cut. */
const REFUSAL_LINGER_MS = 1_000;

export class SocketServer {
  private readonly server: Server;
  private readonly sockets = new Map<Socket, LineFramer>();
  private inFlight = 0;
  private idle: (() => void) | undefined;
  private nextId = 1;
  private accepting = true;

  constructor(private readonly options: SocketServerOptions) {
    this.server = createServer({ allowHalfOpen: false }, (socket) => this.accept(socket));
  }

  get connectionCount(): number {
    return this.sockets.size;
  }

  get inFlightCount(): number {
    return this.inFlight;
  }

  /** New limits apply at once: the connection cap to the next accept, the line limit to every open connection. */
  setLimits(limits: { maxConnections: number; maxLineBytes: number }): void {
    this.options.maxConnections = limits.maxConnections;
    this.options.maxLineBytes = limits.maxLineBytes;
    for (const framer of this.sockets.values()) framer.setMaxLineBytes(limits.maxLineBytes);
  }

  /** 'close' listeners on each open socket (a test checks that long-lived connections collect none). */
  closeListenerCounts(): number[] {
    return [...this.sockets.keys()].map((s) => s.listenerCount('close'));
  }

  /** Listens on `path`; the caller arranges the umask so the socket is born 0600. */
  listen(path: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const onError = (err: Error) => reject(err);
      this.server.once('error', onError);
      this.server.listen({ path, backlog: 511 }, () => {
        this.server.off('error', onError);
        resolve();
      });
    });
  }

  /**
   * Sends the refusal line and closes our side, but reads (and drops) what the client
   * still sends until it hangs up: destroying at once would make the client's next
   * write fail with EPIPE before it has read why it was refused.
   */
  private refuse(socket: Socket, line: string): void {
    socket.on('error', () => {});
    socket.removeAllListeners('data');
    socket.on('data', () => {});
    socket.resume();
    socket.end(line + '\n');
    setTimeout(() => socket.destroy(), REFUSAL_LINGER_MS).unref();
  }

  private accept(socket: Socket): void {
    const { logger } = this.options;
    const id = this.nextId++;
    if (!this.accepting) {
      this.refuse(socket, this.options.refusal({ kind: 'stopping' }, id));
      return;
    }
    if (this.sockets.size >= this.options.maxConnections) {
      const reason = { kind: 'busy', maxConnections: this.options.maxConnections } as const;
      this.refuse(socket, this.options.refusal(reason, id));
      return;
    }
    const framer = new LineFramer(this.options.maxLineBytes);
    this.sockets.set(socket, framer);
    let closed = false;
    const connection: Connection = {
      id,
      openedAt: Date.now(),
      get closed() {
        return closed;
      },
      send(line) {
        if (closed || socket.destroyed) return false;
        socket.write(line + '\n');
        if (socket.writableNeedDrain && !socket.isPaused()) {
          socket.pause();
          socket.once('drain', () => socket.resume());
        }
        return true;
      },
    };
    const handler = this.options.accept(connection);
    socket.on('data', (chunk: Buffer) => {
      const { lines, overflow } = framer.push(chunk);
      for (const line of lines) this.handle(line, connection, handler);
      if (overflow) {
        logger.warn({ connection: id }, 'line over the size limit; closing connection');
        const reason = { kind: 'oversized', maxLineBytes: framer.maxBytes } as const;
        this.refuse(socket, this.options.refusal(reason, id));
      }
    });
    socket.on('error', (err) => logger.debug({ err, connection: id }, 'socket error'));
    socket.once('close', () => {
      closed = true;
      this.sockets.delete(socket);
      try {
        handler.onClose();
      } catch (err) {
        logger.error({ err }, 'connection close handler failed');
      }
    });
  }

  private handle(line: string, connection: Connection, handler: ConnectionHandler): void {
    this.inFlight++;
    handler
      .onLine(line)
      .then(
        (reply) => {
          if (reply !== null) connection.send(reply);
        },
        (err) => this.options.logger.error({ err }, 'request handler failed'),
      )
      .finally(() => {
        this.inFlight--;
        if (this.inFlight === 0 && this.idle) this.idle();
      });
  }

  /** From now on a new connection gets the `stopping` refusal; the socket stays bound. */
  refuseNew(): void {
    this.accepting = false;
  }

  /** Waits up to `graceMs` for requests in flight; resolves whether they all finished. */
  async drain(graceMs: number): Promise<boolean> {
    if (this.inFlight === 0) return true;
    return new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), graceMs);
      this.idle = () => {
        clearTimeout(timer);
        this.idle = undefined;
        resolve(true);
      };
    });
  }

  /** Stops listening and closes every connection (after their last replies are written). */
  async close(): Promise<void> {
    this.accepting = false;
    const stopped = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const socket of this.sockets.keys()) socket.destroySoon();
    setTimeout(() => this.sockets.forEach((_f, s) => s.destroy()), 200).unref();
    await stopped;
  }
}
