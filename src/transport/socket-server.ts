/**
 * The Unix-socket server: accepts connections up to a cap, hands each its own
 * SocketConnection (framing, holding, backpressure: socket-connection.ts) and closes
 * connections that overstay: idle ones (nothing in flight, nothing sent for
 * `idleTimeoutMs`) and ones that leave a line half-sent for `partialLineTimeoutMs`. One
 * sweep interval checks every connection, so no timer runs per request. It knows nothing
 * of JSON-RPC: the lines it sends on its own (a connection past the cap, a line too long,
 * a connection that arrives while the daemon stops, a timeout) are built by the caller,
 * which counts and audits them on the one error path. Requests on one connection run
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
import {
  endWithLine,
  SocketConnection,
  type Connection,
  type ConnectionHandler,
} from './socket-connection.js';

export type { Connection, ConnectionHandler } from './socket-connection.js';

export type RefusalReason =
  | { kind: 'busy'; maxConnections: number }
  | { kind: 'stopping' }
  | { kind: 'oversized'; maxLineBytes: number }
  | { kind: 'idle'; idleTimeoutMs: number }
  | { kind: 'partial-line'; partialLineTimeoutMs: number };

export interface ServerLimits {
  maxConnections: number;
  maxLineBytes: number;
  /** Close a connection with nothing in flight that has sent nothing for this long. */
  idleTimeoutMs: number;
  /** Close a connection whose line has been started but not finished for this long. */
  partialLineTimeoutMs: number;
}

export interface SocketServerOptions extends ServerLimits {
  logger: Logger;
  /** Called for each accepted connection; what it returns receives the connection's lines. */
  accept(connection: Connection): ConnectionHandler;
  /** The line sent before closing a connection the server refuses (counted and audited by the caller). */
  refusal(reason: RefusalReason, connectionId: number): string;
}

/** How often the sweep runs: often enough for the shortest timeout, at most once a second. */
const sweepEvery = (l: ServerLimits) =>
  Math.min(1_000, Math.max(10, Math.floor(Math.min(l.idleTimeoutMs, l.partialLineTimeoutMs) / 4)));

export class SocketServer {
  private readonly server: Server;
  private readonly connections = new Map<Socket, SocketConnection>();
  private inFlight = 0;
  private idle: (() => void) | undefined;
  private nextId = 1;
  private accepting = true;
  private sweeper: NodeJS.Timeout | undefined;
  private readonly tracker = {
    started: () => void this.inFlight++,
    ended: () => {
      this.inFlight--;
      if (this.inFlight === 0 && this.idle) this.idle();
    },
  };

  constructor(private readonly options: SocketServerOptions) {
    this.server = createServer({ allowHalfOpen: false }, (socket) => this.accept(socket));
  }

  get connectionCount(): number {
    return this.connections.size;
  }

  get inFlightCount(): number {
    return this.inFlight;
  }

  /**
   * New limits apply at once: the connection cap to the next accept, the line limit and
   * the timeouts to every open connection.
   */
  setLimits(limits: ServerLimits): void {
    this.options.maxConnections = limits.maxConnections;
    this.options.maxLineBytes = limits.maxLineBytes;
    this.options.idleTimeoutMs = limits.idleTimeoutMs;
    this.options.partialLineTimeoutMs = limits.partialLineTimeoutMs;
    for (const c of this.connections.values()) c.framer.setMaxLineBytes(limits.maxLineBytes);
    if (this.sweeper) this.startSweep();
  }

  /** 'close' listeners on each open socket (a test checks that long-lived connections collect none). */
  closeListenerCounts(): number[] {
    return [...this.connections.keys()].map((s) => s.listenerCount('close'));
  }

  /** Listens on `path`; the caller arranges the umask so the socket is born 0600. */
  listen(path: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const onError = (err: Error) => reject(err);
      this.server.once('error', onError);
      this.server.listen({ path, backlog: 511 }, () => {
        this.server.off('error', onError);
        this.startSweep();
        resolve();
      });
    });
  }

  private accept(socket: Socket): void {
    const { logger } = this.options;
    const id = this.nextId++;
    if (!this.accepting) {
      endWithLine(socket, this.options.refusal({ kind: 'stopping' }, id));
      return;
    }
    if (this.connections.size >= this.options.maxConnections) {
      const reason = { kind: 'busy', maxConnections: this.options.maxConnections } as const;
      endWithLine(socket, this.options.refusal(reason, id));
      return;
    }
    const framer = new LineFramer(this.options.maxLineBytes);
    const connection = new SocketConnection(id, socket, framer, this.tracker, logger);
    this.connections.set(socket, connection);
    connection.handler = this.options.accept(connection);
    socket.on('data', (chunk: Buffer) => {
      if (connection.receive(chunk)) return;
      logger.warn({ connection: id }, 'line over the size limit; closing connection');
      const reason = { kind: 'oversized', maxLineBytes: framer.maxBytes } as const;
      connection.end(this.options.refusal(reason, id));
    });
    socket.on('error', (err) => logger.debug({ err, connection: id }, 'socket error'));
    socket.once('close', () => {
      connection.gone();
      this.connections.delete(socket);
      try {
        connection.handler.onClose();
      } catch (err) {
        logger.error({ err }, 'connection close handler failed');
      }
    });
  }

  private startSweep(): void {
    clearInterval(this.sweeper);
    this.sweeper = setInterval(() => this.sweep(), sweepEvery(this.options));
    this.sweeper.unref();
  }

  /** Closes, each with its last line, the connections that are idle or half-sent too long. */
  private sweep(): void {
    const now = Date.now();
    const { idleTimeoutMs, partialLineTimeoutMs, logger } = this.options;
    for (const c of this.connections.values()) {
      if (c.ending) continue;
      if (c.partialCounts && now - c.partialSince >= partialLineTimeoutMs) {
        logger.info({ connection: c.id }, 'line left unfinished too long; closing connection');
        c.end(this.options.refusal({ kind: 'partial-line', partialLineTimeoutMs }, c.id));
      } else if (
        c.idle &&
        c.partialSince === 0 &&
        now - c.lastActiveAt >= idleTimeoutMs &&
        !c.handler.waiting?.()
      ) {
        logger.debug({ connection: c.id }, 'connection idle; closing it');
        c.end(this.options.refusal({ kind: 'idle', idleTimeoutMs }, c.id));
      }
    }
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
    clearInterval(this.sweeper);
    const stopped = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const socket of this.connections.keys()) socket.destroySoon();
    setTimeout(() => this.connections.forEach((_c, s) => s.destroy()), 200).unref();
    await stopped;
  }
}
