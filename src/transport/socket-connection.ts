/**
 * One accepted socket and the flow of its lines. Bytes are framed into lines; each line
 * is handed to the handler unless the handler asks to hold (its `pace()`): then the line
 * waits in order, the socket is no longer read — the kernel's buffers fill and the
 * client's writes block, which is the backpressure — and reading resumes when the delay
 * is over or a line of this connection completes. Nothing is dropped and nothing is
 * refused by holding. The same pause serves a client that does not read its replies.
 *
 * The connection also keeps what the server's sweep needs to close it on time: when it
 * was last active (bytes in, a reply out), whether anything is in flight, and since when
 * a line has been half-sent (time spent held by the daemon does not count).
 */
import type { Socket } from 'node:net';
import type { Logger } from 'pino';
import type { LineFramer } from './line-framer.js';

/** What the server's user sees of one connection. */
export interface Connection {
  readonly id: number;
  readonly openedAt: number;
  /** Sends one message (already serialized, without newline); false once closed or closing. */
  send(line: string): boolean;
  readonly closed: boolean;
}

/** What the server's user attaches to each accepted connection. */
export interface ConnectionHandler {
  /** The reply line (or null: none is due), synchronously when it is ready at once. */
  onLine(line: string): string | null | Promise<string | null>;
  /** The connection is gone (either side closed it); called once. */
  onClose(): void;
  /**
   * Asked before each line is handed over: 0 to hand it over now, a number of ms to wait
   * first (a connection being slowed), or Infinity to wait until one of this
   * connection's lines completes (a connection at its in-flight cap).
   */
  pace(): number;
  /** Asked after each reply: a last line to send before closing the connection, if it must go. */
  lastWords(): string | undefined;
  /**
   * Whether the connection waits for notifications it asked for (subscriptions): such a
   * connection is not idle however long it stays quiet.
   */
  waiting?(): boolean;
}

/** How long a closed connection lingers for the client to read its last line before it is cut. */
const LINGER_MS = 1_000;

/**
 * Sends `line` and closes our side, but reads (and drops) what the client still sends
 * until it hangs up: destroying at once would make the client's next write fail with
 * EPIPE before it has read why. Nothing read after this point is handled.
 */
export function endWithLine(socket: Socket, line: string): void {
  socket.on('error', () => {});
  socket.removeAllListeners('data');
  socket.on('data', () => {});
  socket.resume();
  socket.end(line + '\n');
  setTimeout(() => socket.destroy(), LINGER_MS).unref();
}

export interface LineTracker {
  started(): void;
  ended(): void;
}

export class SocketConnection implements Connection {
  readonly openedAt = Date.now();
  /** Set by the server right after accepting, before any byte is read. */
  handler!: ConnectionHandler;
  lastActiveAt = this.openedAt;
  /** When the line being received was started (0: none is half-sent). */
  partialSince = 0;
  /** True once the connection is being closed: no further line is handed over. */
  ending = false;
  private isClosed = false;
  private linesInFlight = 0;
  /** Lines read while held, in order; `head` is the next to hand over. */
  private readonly queue: string[] = [];
  private head = 0;
  private held: 'delay' | 'cap' | undefined;
  private holdTimer: NodeJS.Timeout | undefined;
  private writeBlocked = false;

  constructor(
    readonly id: number,
    private readonly socket: Socket,
    readonly framer: LineFramer,
    private readonly tracker: LineTracker,
    private readonly logger: Logger,
  ) {}

  get closed(): boolean {
    return this.isClosed;
  }

  /** Nothing in flight, nothing waiting: the idle timeout may run. */
  get idle(): boolean {
    return this.linesInFlight === 0 && this.held === undefined && this.head === this.queue.length;
  }

  /** A half-sent line whose time counts: the daemon is reading (not holding) this connection. */
  get partialCounts(): boolean {
    return this.partialSince > 0 && this.held === undefined;
  }

  send(line: string): boolean {
    if (this.ending || this.isClosed || this.socket.destroyed) return false;
    this.socket.write(line + '\n');
    if (!this.writeBlocked && this.socket.writableNeedDrain) {
      // The client does not read its replies: stop reading its requests until it does.
      this.writeBlocked = true;
      this.socket.once('drain', this.drained);
      this.flow();
    }
    return true;
  }

  /** Bytes from the socket; false when the line being read is over the size limit. */
  receive(chunk: Buffer): boolean {
    const now = Date.now();
    this.lastActiveAt = now;
    const { lines, overflow } = this.framer.push(chunk);
    for (const line of lines) this.take(line);
    if (this.framer.pendingLineBytes === 0) this.partialSince = 0;
    else if (this.partialSince === 0 || lines.length > 0) this.partialSince = now;
    return !overflow;
  }

  /** Sends a last line and closes; lines still waiting are dropped (never run). */
  end(line: string): void {
    if (this.ending || this.isClosed) return;
    this.ending = true;
    clearTimeout(this.holdTimer);
    this.queue.length = 0;
    this.head = 0;
    endWithLine(this.socket, line);
  }

  /** The socket closed (either side). */
  gone(): void {
    this.isClosed = true;
    this.ending = true;
    clearTimeout(this.holdTimer);
    this.queue.length = 0;
    this.head = 0;
  }

  private take(line: string): void {
    if (this.ending) return;
    if (this.held !== undefined || this.head < this.queue.length) {
      this.queue.push(line);
      return;
    }
    const wait = this.handler.pace();
    if (wait === 0) {
      this.run(line);
      return;
    }
    this.queue.push(line);
    this.hold(wait);
  }

  private hold(wait: number): void {
    this.held = wait === Infinity ? 'cap' : 'delay';
    if (this.held === 'delay') this.holdTimer = setTimeout(this.released, wait);
    this.flow();
  }

  private readonly released = () => {
    this.holdTimer = undefined;
    this.resume();
  };

  private resume(): void {
    this.held = undefined;
    // The client could not finish its line while we were not reading it.
    if (this.partialSince > 0) this.partialSince = Date.now();
    while (this.head < this.queue.length && !this.ending) {
      const wait = this.handler.pace();
      if (wait !== 0) {
        this.hold(wait);
        return;
      }
      const line = this.queue[this.head]!;
      this.queue[this.head++] = '';
      this.run(line);
    }
    this.queue.length = 0;
    this.head = 0;
    this.flow();
  }

  private run(line: string): void {
    this.linesInFlight++;
    this.tracker.started();
    let reply: string | null | Promise<string | null>;
    try {
      reply = this.handler.onLine(line);
    } catch (err) {
      this.crashed(err);
      return;
    }
    // A reply ready at once goes out at once: no promise, no extra turn of the loop.
    if (typeof reply === 'string' || reply === null) this.answered(reply);
    else reply.then(this.answered, this.crashed);
  }

  private readonly answered = (reply: string | null) => {
    if (reply !== null) this.send(reply);
    this.done();
  };

  private readonly crashed = (err: unknown) => {
    this.logger.error({ err, connection: this.id }, 'request handler failed');
    this.done();
  };

  private done(): void {
    this.linesInFlight--;
    this.lastActiveAt = Date.now();
    this.tracker.ended();
    if (this.ending) return;
    const last = this.handler.lastWords();
    if (last !== undefined) this.end(last);
    else if (this.held === 'cap') this.resume();
  }

  private readonly drained = () => {
    this.writeBlocked = false;
    this.flow();
  };

  private flow(): void {
    if (this.ending) return;
    if (this.held !== undefined || this.writeBlocked) this.socket.pause();
    else this.socket.resume();
  }
}
