/**
 * Dispatch: one framed line in, one reply line (or nothing) out. It reads the frame
 * (rpc/envelope.ts), runs each request through the gate with its own context — an
 * AbortSignal that fires when the connection closes, the call runs past its limit or the
 * daemon stops — validates params (and, in tests, results) against the method's
 * declared schemas, and answers every request that carries an id exactly once.
 *
 * Every error reply, whatever produced it (a parse error, an invalid request object, an
 * unknown method, bad params, a handler's AppError, a timeout, a refused connection, an
 * oversized line), goes through `fail()`: the one place that sets `data.code`, scrubs
 * secrets, counts the error under its own metric bucket and writes the audit record the
 * error table (protocol/error-codes.ts) asks for.
 */
import type { Logger } from 'pino';
import { AppError, type ErrorCode } from '../core/errors.js';
import type { RequestGate } from '../core/request-gate.js';
import type { Redactor } from '../config/secrets.js';
import { ERROR_AUDIT, ERROR_NUMBERS } from '../protocol/error-codes.js';
import type { MethodSpec } from '../protocol/method.js';
import type { AuditSink } from '../services/audit/audit-sink.js';
import type { Services } from '../services/services.js';
import type { RequestContext } from './context.js';
import type { AnyHandler } from './handler.js';
import { readFrame, type Message, type RequestId, type ValidRequest } from './envelope.js';
import { RequestMetrics, BUCKETS, type Bucket } from './metrics.js';

export interface DispatcherOptions {
  methods: readonly MethodSpec[];
  handlers: Readonly<Record<string, AnyHandler>>;
  /** The services of the database in place now (rebuilt after a restore). */
  services: () => Services;
  logger: Logger;
  redactor: Redactor;
  audit: () => AuditSink;
  /** Every request runs inside it, so a restore can hold requests while it swaps the database. */
  gate?: RequestGate;
  /** The default time limit of a call, read per call (`daemon.requestTimeoutMs`). */
  requestTimeoutMs: () => number;
  /** Check each result against its method's result schema (tests); a mismatch is INTERNAL. */
  checkResults?: boolean;
}

/** The peer a dispatch connection answers to: the socket, or a test. */
export interface Peer {
  readonly id: number;
  notify(method: string, params: unknown): boolean;
}

/** One connection's requests in flight; closing it aborts them. */
export class DispatchConnection {
  readonly inFlight = new Set<AbortController>();
  closed = false;

  constructor(readonly peer: Peer) {}

  close(): void {
    this.closed = true;
    for (const c of this.inFlight) c.abort(new ConnectionClosed());
  }
}

/** The abort reason of a request whose connection went away: nobody is left to answer. */
class ConnectionClosed extends Error {
  constructor() {
    super('the connection closed before the call finished');
  }
}

interface ErrorReply {
  jsonrpc: '2.0';
  id: RequestId;
  error: { code: number; message: string; data: { code: ErrorCode } & Record<string, unknown> };
}
type Reply = { jsonrpc: '2.0'; id: RequestId; result: unknown } | ErrorReply;

const MAX_AUDITED_METHOD_CHARS = 100;

export class Dispatcher {
  readonly metrics: RequestMetrics;
  private readonly specs = new Map<string, { spec: MethodSpec; handler: AnyHandler }>();
  private readonly listed: MethodSpec[] = [];
  private readonly connections = new Set<DispatchConnection>();
  private stopping = false;

  constructor(private readonly options: DispatcherOptions) {
    for (const spec of options.methods) {
      const handler = options.handlers[spec.name];
      if (!handler) throw new Error(`method ${spec.name} has no handler`);
      this.specs.set(spec.name, { spec, handler });
      this.listed.push(spec);
    }
    this.metrics = new RequestMetrics(new Set(this.specs.keys()));
  }

  /** The methods served now, plugins' included. */
  get methods(): readonly MethodSpec[] {
    return this.listed;
  }

  /** Adds a method at run time (a plugin's); a name already served is refused. */
  addDynamicMethod(spec: MethodSpec, handler: AnyHandler): void {
    if (this.specs.has(spec.name)) throw new Error(`method ${spec.name} already exists`);
    this.specs.set(spec.name, { spec, handler });
    this.listed.push(spec);
    this.metrics.know(spec.name);
  }

  /** Removes a method added with addDynamicMethod; methods of the static table stay. */
  removeMethod(name: string): boolean {
    if (this.options.methods.some((m) => m.name === name) || !this.specs.delete(name)) return false;
    this.listed.splice(
      this.listed.findIndex((m) => m.name === name),
      1,
    );
    return true;
  }

  connect(peer: Peer): DispatchConnection {
    const connection = new DispatchConnection(peer);
    this.connections.add(connection);
    return connection;
  }

  disconnect(connection: DispatchConnection): void {
    connection.close();
    this.connections.delete(connection);
  }

  /** From now on every new request is answered SHUTTING_DOWN; requests in flight go on. */
  beginShutdown(): void {
    this.stopping = true;
  }

  /** Aborts every request still in flight (the grace period is over); each answers SHUTTING_DOWN. */
  abortAll(): void {
    const reason = new AppError('SHUTTING_DOWN', 'the daemon stopped before this call finished');
    for (const connection of this.connections) {
      for (const c of connection.inFlight) c.abort(reason);
    }
  }

  /** Requests in flight across all connections. */
  get inFlightCount(): number {
    let n = 0;
    for (const c of this.connections) n += c.inFlight.size;
    return n;
  }

  /** Handles one framed line; resolves to the reply line, or null when none is due. */
  async handleLine(line: string, connection: DispatchConnection): Promise<string | null> {
    const frame = readFrame(line);
    switch (frame.kind) {
      case 'parse-error':
        this.metrics.request(BUCKETS.parseError);
        return JSON.stringify(
          this.fail(
            null,
            BUCKETS.parseError,
            connection.peer.id,
            'PARSE_ERROR',
            'parse error: the line is not valid JSON',
          ),
        );
      case 'empty-batch':
        this.metrics.request(BUCKETS.invalidRequest);
        return JSON.stringify(
          this.fail(
            null,
            BUCKETS.invalidRequest,
            connection.peer.id,
            'INVALID_REQUEST',
            'invalid request: empty batch',
          ),
        );
      case 'single': {
        const reply = await this.answer(frame.message, connection);
        return reply === null ? null : JSON.stringify(reply);
      }
      case 'batch': {
        const replies = await Promise.all(frame.messages.map((m) => this.answer(m, connection)));
        const due = replies.filter((r): r is Reply => r !== null);
        return due.length === 0 ? null : JSON.stringify(due);
      }
    }
  }

  /**
   * The reply line for a connection the transport refuses or cuts off (past the
   * connection cap, an oversized line, the daemon stopping), through the same path.
   */
  refusalLine(
    code: 'BUSY' | 'PAYLOAD_TOO_LARGE' | 'SHUTTING_DOWN',
    message: string,
    connection: number,
    data?: Record<string, unknown>,
  ): string {
    const bucket = code === 'PAYLOAD_TOO_LARGE' ? BUCKETS.oversized : BUCKETS.refused;
    this.metrics.request(bucket);
    return JSON.stringify(this.fail(null, bucket, connection, code, message, data));
  }

  private async answer(message: Message, connection: DispatchConnection): Promise<Reply | null> {
    if (message.kind === 'invalid') {
      this.metrics.request(BUCKETS.invalidRequest);
      return this.fail(
        null,
        BUCKETS.invalidRequest,
        connection.peer.id,
        'INVALID_REQUEST',
        `invalid request: ${message.reason}`,
      );
    }
    const reply = await this.run(message, connection);
    return message.id === undefined ? null : reply;
  }

  private async run(req: ValidRequest, connection: DispatchConnection): Promise<Reply> {
    const id = req.id ?? null;
    const entry = this.specs.get(req.method);
    const bucket: Bucket = entry ? req.method : BUCKETS.unknownMethod;
    this.metrics.request(bucket);
    const who = connection.peer.id;
    if (this.stopping) {
      return this.fail(
        id,
        bucket,
        who,
        'SHUTTING_DOWN',
        'the daemon is stopping and takes no new requests; try again in a moment',
        { notStarted: true },
        req.method,
      );
    }
    if (!entry) {
      return this.fail(
        id,
        bucket,
        who,
        'METHOD_NOT_FOUND',
        `method not found: ${clip(req.method)} (see system.methods)`,
        undefined,
        req.method,
      );
    }
    const { spec, handler } = entry;
    const parsed = spec.params.safeParse(req.params ?? {});
    if (!parsed.success) {
      const issues = parsed.error.issues.map((i) => ({
        path: i.path.map(String).join('.'),
        code: i.code,
        message: i.message,
      }));
      const fields = [...new Set(issues.map((i) => i.path || '(params)'))].join(', ');
      return this.fail(
        id,
        bucket,
        who,
        'INVALID_PARAMS',
        `invalid params: ${fields}`,
        { issues },
        req.method,
      );
    }
    const controller = new AbortController();
    connection.inFlight.add(controller);
    const limit = spec.timeoutMs === null ? 0 : (spec.timeoutMs ?? this.options.requestTimeoutMs());
    const timer =
      limit > 0
        ? setTimeout(
            () =>
              controller.abort(
                new AppError('TIMEOUT', `${spec.name} took longer than ${limit} ms`),
              ),
            limit,
          )
        : undefined;
    const ctx = this.context(req, spec, connection, controller.signal);
    try {
      const work = this.options.gate
        ? this.options.gate.run(async () => handler(parsed.data, ctx))
        : Promise.resolve().then(() => handler(parsed.data, ctx));
      const result = await untilAborted(work, controller.signal);
      if (this.options.checkResults) this.checkResult(spec, result);
      return { jsonrpc: '2.0', id, result: result === undefined ? null : result };
    } catch (err) {
      return this.failWith(id, bucket, who, err, req.method);
    } finally {
      clearTimeout(timer);
      connection.inFlight.delete(controller);
    }
  }

  private context(
    req: ValidRequest,
    spec: MethodSpec,
    connection: DispatchConnection,
    signal: AbortSignal,
  ): RequestContext {
    const services = this.options.services;
    const methods = this.listed;
    const caller = { connection: connection.peer.id, transport: 'socket' } as const;
    return {
      method: spec.name,
      requestId: req.id,
      caller,
      signal,
      notify: (method, params) => !connection.closed && connection.peer.notify(method, params),
      op: { method: spec.name, connection: caller.connection },
      // Read when the handler runs, not when the line arrived: a request held at the gate
      // during a restore must reach the services of the restored database.
      get services() {
        return services();
      },
      methods,
    };
  }

  private checkResult(spec: MethodSpec, result: unknown): void {
    const checked = spec.result.safeParse(result === undefined ? null : result);
    if (!checked.success) {
      throw new Error(
        `${spec.name} returned a result that does not match its declared schema: ${JSON.stringify(checked.error.issues).slice(0, 2000)}`,
      );
    }
  }

  /** Turns anything thrown into a wire error: an AppError keeps its code, the rest is INTERNAL. */
  private failWith(
    id: RequestId,
    bucket: Bucket,
    connection: number,
    err: unknown,
    method: string,
  ): ErrorReply {
    if (err instanceof ConnectionClosed) {
      // Counted, but neither audited nor logged as a failure: the caller hung up.
      this.metrics.error(bucket);
      return {
        jsonrpc: '2.0',
        id,
        error: { code: 0, message: err.message, data: { code: 'INTERNAL' } },
      };
    }
    if (err instanceof AppError) {
      return this.fail(id, bucket, connection, err.code, err.message, err.data, method);
    }
    this.options.logger.error({ err, method }, 'unexpected error in a method handler');
    return this.fail(
      id,
      bucket,
      connection,
      'INTERNAL',
      'internal error (see the daemon log)',
      undefined,
      method,
    );
  }

  /**
   * The one error path: every error reply is built here, with `data.code`, secrets
   * scrubbed from message and data, counted under its bucket, and audited when the error
   * table says dispatch audits that code.
   */
  private fail(
    id: RequestId,
    bucket: Bucket,
    connection: number,
    code: ErrorCode,
    message: string,
    data?: Record<string, unknown>,
    method?: string,
  ): ErrorReply {
    const { redactor } = this.options;
    this.metrics.error(bucket);
    const text = redactor.scrubText(message);
    if (ERROR_AUDIT[code] === 'dispatch') {
      this.options.audit().record('request.refused', {
        code,
        method: method === undefined ? bucket : clip(method),
        connection,
        message: clip(text, 300),
      });
    }
    const scrubbed = data ? (redactor.scrub(data) as Record<string, unknown>) : {};
    return {
      jsonrpc: '2.0',
      id,
      error: { code: ERROR_NUMBERS[code], message: text, data: { ...scrubbed, code } },
    };
  }
}

/** A name or message cut to a size fit for an audit record or a log line. */
function clip(text: string, max = MAX_AUDITED_METHOD_CHARS): string {
  return text.length <= max ? text : `${text.slice(0, max)}… (${text.length} chars)`;
}

/** Resolves with `work`, or rejects with the signal's reason as soon as it aborts. */
function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}
