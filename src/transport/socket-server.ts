/**
 * The Unix-socket server: accepts connections up to a cap, frames lines, hands each to
 * `onLine` and writes back whatever it answers. It knows nothing of JSON-RPC beyond the
 * error line it sends when a connection is refused or a line is too long. Requests on
 * one connection run concurrently and answer in completion order (ids tell them apart).
 * `close()` stops accepting, waits (bounded) for requests in flight, then drops the rest.
 */
import { createServer, type Server, type Socket } from 'node:net';
import type { Logger } from 'pino';
import { LineFramer } from './line-framer.js';

export interface Connection {
  readonly id: number;
  readonly openedAt: number;
  /** Sends one message (already serialized, without newline); false once closed. */
  send(line: string): boolean;
  readonly closed: boolean;
  onClose(listener: () => void): void;
}

export interface SocketServerOptions {
  maxConnections: number;
  maxLineBytes: number;
  logger: Logger;
  onLine(line: string, connection: Connection): Promise<string | null>;
  /** Told of an oversized line (for counting and auditing) before the connection closes. */
  onOverflow?(connection: Connection): void;
  /** The line sent (then the connection closed) for an oversized message. */
  overflowReply(maxLineBytes: number): string;
  /** The line sent (then the connection closed) past the connection cap. */
  busyReply(maxConnections: number): string;
}

export class SocketServer {
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();
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

  setLimits(limits: { maxConnections: number; maxLineBytes: number }): void {
    this.options.maxConnections = limits.maxConnections;
    this.options.maxLineBytes = limits.maxLineBytes;
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

  private accept(socket: Socket): void {
    const { logger } = this.options;
    if (!this.accepting || this.sockets.size >= this.options.maxConnections) {
      socket.end(this.options.busyReply(this.options.maxConnections) + '\n', () =>
        socket.destroy(),
      );
      socket.on('error', () => {});
      return;
    }
    this.sockets.add(socket);
    const framer = new LineFramer(this.options.maxLineBytes);
    const closeListeners: (() => void)[] = [];
    let closed = false;
    const connection: Connection = {
      id: this.nextId++,
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
      onClose(listener) {
        closeListeners.push(listener);
      },
    };
    socket.on('data', (chunk: Buffer) => {
      const { lines, overflow } = framer.push(chunk);
      for (const line of lines) this.handle(line, connection);
      if (overflow) {
        logger.warn({ connection: connection.id }, 'line over the size limit; closing connection');
        this.options.onOverflow?.(connection);
        socket.pause();
        socket.end(this.options.overflowReply(this.options.maxLineBytes) + '\n', () =>
          socket.destroy(),
        );
      }
    });
    socket.on('error', (err) => logger.debug({ err, connection: connection.id }, 'socket error'));
    socket.on('close', () => {
      closed = true;
      this.sockets.delete(socket);
      for (const listener of closeListeners) {
        try {
          listener();
        } catch (err) {
          logger.error({ err }, 'connection close listener failed');
        }
      }
    });
  }

  private handle(line: string, connection: Connection): void {
    this.inFlight++;
    this.options
      .onLine(line, connection)
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

  /** Stops accepting, waits up to `graceMs` for requests in flight, then closes every connection. */
  async close(graceMs: number): Promise<{ drained: boolean }> {
    this.accepting = false;
    const stopped = new Promise<void>((resolve) => this.server.close(() => resolve()));
    let drained = this.inFlight === 0;
    if (!drained) {
      drained = await new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => resolve(false), graceMs);
        this.idle = () => {
          clearTimeout(timer);
          resolve(true);
        };
      });
    }
    for (const socket of this.sockets) socket.destroySoon();
    setTimeout(() => this.sockets.forEach((s) => s.destroy()), 200).unref();
    await stopped;
    return { drained };
  }
}
