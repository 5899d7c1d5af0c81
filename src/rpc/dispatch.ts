/**
 * Dispatch: one framed line in, one reply line (or nothing) out. It reads the frame
 * (rpc/envelope.ts), runs each request through the gate with its own context — an
 * AbortSignal that fires when the connection closes, the call runs past its limit or the
 * daemon stops — validates params (and, in tests, results) against the method's
 * declared schemas, and answers every request that carries an id exactly once. Every
 * error reply goes through the one error path (rpc/error-path.ts). The connections it
 * serves, and what reaches them outside a reply (notifications, aborts), are in
 * rpc/open-connections.ts.
 */
import type { Logger } from 'pino';
import type { RequestGate } from '../core/request-gate.js';
import type { Redactor } from '../config/secrets.js';
import type { MethodSpec } from '../protocol/method.js';
import type { Scope } from '../protocol/scopes.js';
import type { AuditSink } from '../services/audit/audit-sink.js';
import type { Principal } from '../services/access/tokens.js';
import type { Services } from '../services/services.js';
import { ConnectionGuard, type ConnectionLimits } from './connection-guard.js';
import { isPromiseLike } from '../core/promise-like.js';
import { Call } from './call.js';
import type { DispatchConnection, Peer } from './dispatch-connection.js';
import { OpenConnections } from './open-connections.js';
import { DispatchContext, type ContextShared } from './dispatch-context.js';
import { clip, ErrorPath, type ErrorReply, type FailedRequest } from './error-path.js';
import type { AnyHandler } from './handler.js';
import { readFrame, readParsed, type Frame, type Message, type ValidRequest } from './envelope.js';
import { RequestMetrics, BUCKETS } from './metrics.js';
import { checkResult, lineOf, type Reply } from './reply.js';

export type { Reply } from './reply.js';

export { DispatchConnection, type Peer } from './dispatch-connection.js';

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
  /** Who a presented token belongs to (undefined: nobody we know). */
  authenticate(token: string): Principal | undefined;
  /** Asked on every call: a token revoked or expired since its hello loses its authority. */
  stillValid(principal: Principal): boolean;
  /** Batch length, per-connection cap, refusal thresholds (defaults: connection-guard.ts). */
  limits?: Partial<ConnectionLimits>;
}

const UNAUTHENTICATED_MESSAGE =
  'this connection has not authenticated: call auth.hello {token} first, with the owner token from <data dir>/owner.token or a token from `aistack token create`';

/** A token holds a method's scope when it holds that scope, or admin (which covers everything). */
const holds = (principal: Principal, scope: Scope) =>
  principal.scopes.has(scope) || principal.scopes.has('admin');

export class Dispatcher {
  readonly metrics: RequestMetrics;
  /** What the transport asks before and after each line of a connection. */
  readonly guard: ConnectionGuard;
  private readonly errors: ErrorPath;
  private readonly specs = new Map<string, { spec: MethodSpec; handler: AnyHandler }>();
  private readonly listed: MethodSpec[] = [];
  private readonly open: OpenConnections;
  private stopping = false;
  private readonly shared: ContextShared;

  constructor(private readonly options: DispatcherOptions) {
    for (const spec of options.methods) {
      const handler = options.handlers[spec.name];
      if (!handler) throw new Error(`method ${spec.name} has no handler`);
      this.specs.set(spec.name, { spec, handler });
      this.listed.push(spec);
    }
    this.metrics = new RequestMetrics(new Set(this.specs.keys()));
    const { redactor, logger, audit } = options;
    const metrics = this.metrics;
    this.guard = new ConnectionGuard({ errors: () => this.errors, metrics, audit }, options.limits);
    const refusalLimits = () => this.guard.limits;
    this.errors = new ErrorPath({ metrics, redactor, logger, audit, refusalLimits });
    this.open = new OpenConnections((p) => options.stillValid(p), audit);
    this.shared = {
      services: options.services,
      authenticate: options.authenticate,
      methods: this.listed,
      mayNotify: (connection) => this.open.mayNotify(connection),
    };
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
    return this.open.add(peer);
  }

  disconnect(connection: DispatchConnection): void {
    this.open.remove(connection);
    this.guard.closed(connection);
  }

  /** From now on every new request is answered SHUTTING_DOWN; requests in flight go on. */
  beginShutdown(): void {
    this.stopping = true;
  }

  /** Aborts every request still in flight (the grace period is over); each answers SHUTTING_DOWN. */
  abortAll(): void {
    this.open.abortAll();
  }

  /** Sends a notification to every open connection that asked for it (`ctx.watch`). */
  notifyWatchers(method: string, params: Record<string, unknown>): void {
    this.open.notifyWatchers(method, params);
  }

  /** Memory subscriptions held across all open connections. */
  get subscriptionCount(): number {
    return this.open.subscriptionCount;
  }

  /** Requests in flight across all connections. */
  get inFlightCount(): number {
    return this.open.inFlightCount;
  }

  /**
   * Handles one framed line: the reply line, or null when none is due. A request whose
   * handler finished synchronously is answered synchronously, with no promise on its way.
   */
  handleLine(line: string, connection: DispatchConnection): string | null | Promise<string | null> {
    const reply = this.handleFrame(readFrame(line), connection);
    return isPromiseLike(reply) ? Promise.resolve(reply).then(lineOf) : lineOf(reply);
  }

  /**
   * A request or batch already parsed from JSON (HTTP's `POST /api/v1/rpc`): the replies
   * as values, exactly what `handleLine` would have sent, or null when none is due.
   */
  handleParsed(value: unknown, connection: DispatchConnection): Promise<Reply | Reply[] | null> {
    return Promise.resolve(this.handleFrame(readParsed(value), connection));
  }

  /**
   * One call by method name (a REST route): the same checks, validation, audit records
   * and error path as a request on the socket; always answered (id 0).
   */
  call(method: string, params: unknown, connection: DispatchConnection): Promise<Reply> {
    return Promise.resolve(this.timed({ kind: 'request', method, params, id: 0 }, connection));
  }

  /**
   * A refusal the HTTP transport makes for an authenticated caller before any method
   * runs (an oversized body, over the rate limit, a route's scope, an MCP session over its
   * cap or unknown), counted (and audited when the error
   * table says so) on the same path as every other error.
   */
  refusal(
    code:
      | 'PAYLOAD_TOO_LARGE'
      | 'RATE_LIMITED'
      | 'INVALID_REQUEST'
      | 'INVALID_PARAMS'
      | 'PARSE_ERROR'
      | 'FORBIDDEN'
      | 'BUSY'
      | 'NOT_FOUND',
    message: string,
    connection: number,
    data?: Record<string, unknown>,
  ): ErrorReply {
    const bucket = code === 'PAYLOAD_TOO_LARGE' ? BUCKETS.oversized : BUCKETS.refused;
    this.metrics.request(bucket);
    return this.errors.fail({ id: null, bucket, connection }, code, message, data);
  }

  private handleFrame(
    frame: Frame,
    connection: DispatchConnection,
  ): Reply | Reply[] | null | Promise<Reply | Reply[] | null> {
    switch (frame.kind) {
      case 'parse-error':
        return this.frameError(
          connection,
          BUCKETS.parseError,
          'PARSE_ERROR',
          'parse error: the line is not valid JSON',
        );
      case 'empty-batch':
        return this.frameError(
          connection,
          BUCKETS.invalidRequest,
          'INVALID_REQUEST',
          'invalid request: empty batch',
        );
      case 'single': {
        connection.weight++;
        let reply: Reply | null | Promise<Reply | null>;
        try {
          reply = this.answer(frame.message, connection);
        } catch (err) {
          connection.weight--;
          throw err;
        }
        if (!isPromiseLike(reply)) {
          connection.weight--;
          return reply;
        }
        return Promise.resolve(reply).finally(() => connection.weight--);
      }
      case 'batch':
        return this.batch(frame.messages, connection);
    }
  }

  /** A batch within the maximum runs whole (counting as its length); a longer one not at all. */
  private async batch(
    messages: Message[],
    connection: DispatchConnection,
  ): Promise<Reply | Reply[] | null> {
    const max = this.guard.limits.maxBatchLength;
    if (messages.length > max) {
      const why = `invalid request: a batch of ${messages.length} requests is longer than the maximum of ${max} (daemon.maxBatchLength); none of it ran`;
      const data = { maxBatchLength: max, length: messages.length };
      const bucket = BUCKETS.invalidRequest;
      return this.frameError(connection, bucket, 'INVALID_REQUEST', why, data);
    }
    connection.weight += messages.length;
    try {
      const replies = await Promise.all(messages.map((m) => this.answer(m, connection)));
      const due = replies.filter((r): r is Reply => r !== null);
      return due.length === 0 ? null : due;
    } finally {
      connection.weight -= messages.length;
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
    return JSON.stringify(this.errors.fail({ id: null, bucket, connection }, code, message, data));
  }

  /** A frame (or batch element) that names no method: counted and answered under its bucket, id null. */
  private frameError(
    connection: DispatchConnection,
    bucket: string,
    code: 'PARSE_ERROR' | 'INVALID_REQUEST',
    message: string,
    data?: Record<string, unknown>,
  ): ErrorReply {
    this.metrics.request(bucket);
    const { refusals } = connection;
    return this.errors.fail(
      { id: null, bucket, connection: connection.peer.id, refusals },
      code,
      message,
      data,
    );
  }

  private answer(
    message: Message,
    connection: DispatchConnection,
  ): Reply | null | Promise<Reply | null> {
    if (message.kind === 'invalid') {
      const why = `invalid request: ${message.reason}`;
      return this.frameError(connection, BUCKETS.invalidRequest, 'INVALID_REQUEST', why);
    }
    const reply = this.timed(message, connection);
    if (message.id !== undefined) return reply;
    return isPromiseLike(reply) ? Promise.resolve(reply).then(() => null) : null;
  }

  /** Runs a request and records how long it took under its method's bucket. */
  private timed(req: ValidRequest, connection: DispatchConnection): Reply | Promise<Reply> {
    const started = performance.now();
    const reply = this.run(req, connection);
    if (!isPromiseLike(reply)) return this.observed(req.method, started, reply);
    return Promise.resolve(reply).then((r) => this.observed(req.method, started, r));
  }

  private observed(method: string, started: number, reply: Reply): Reply {
    this.metrics.observe(method, (performance.now() - started) / 1000);
    return reply;
  }

  /** The reply; synchronous when the handler was (see call.ts). */
  private run(req: ValidRequest, connection: DispatchConnection): Reply | Promise<Reply> {
    const entry = this.specs.get(req.method);
    const where: FailedRequest = {
      id: req.id ?? null,
      bucket: entry ? req.method : BUCKETS.unknownMethod,
      connection: connection.peer.id,
      method: req.method,
      refusals: connection.refusals,
    };
    this.metrics.request(where.bucket);
    if (this.stopping) {
      const message = 'the daemon is stopping and takes no new requests; try again in a moment';
      return this.errors.fail(where, 'SHUTTING_DOWN', message, { notStarted: true });
    }
    const { principal } = connection;
    if (entry?.spec.scope !== 'none' && !(principal && this.options.stillValid(principal))) {
      return this.errors.fail(where, 'UNAUTHENTICATED', UNAUTHENTICATED_MESSAGE);
    }
    if (!entry) {
      const message = `method not found: ${clip(req.method)} (see system.methods)`;
      return this.errors.fail(where, 'METHOD_NOT_FOUND', message);
    }
    const { spec, handler } = entry;
    if (spec.scope !== 'none' && !holds(principal!, spec.scope)) {
      const message = `${spec.name} needs the ${spec.scope} scope; the token "${principal!.name}" holds ${[...principal!.scopes].join(', ') || 'none'}`;
      return this.errors.fail(where, 'FORBIDDEN', message);
    }
    const parsed = spec.params.safeParse(req.params ?? {});
    if (!parsed.success) {
      const issues = parsed.error.issues.map((i) => ({
        path: i.path.map(String).join('.'),
        code: i.code,
        message: i.message,
      }));
      const fields = [...new Set(issues.map((i) => i.path || '(params)'))].join(', ');
      return this.errors.fail(where, 'INVALID_PARAMS', `invalid params: ${fields}`, { issues });
    }
    const limit = spec.timeoutMs === null ? 0 : (spec.timeoutMs ?? this.options.requestTimeoutMs());
    const call = new Call(connection, spec.name, limit);
    const ctx = new DispatchContext(this.shared, req.id, spec, connection, call);
    try {
      const outcome = call.run(() => handler(parsed.data, ctx), this.options.gate);
      if (!isPromiseLike(outcome)) return this.success(spec, where, outcome);
      return Promise.resolve(outcome)
        .then((result) => this.success(spec, where, result))
        .catch((err: unknown) => this.errors.fromThrown(where, err));
    } catch (err) {
      return this.errors.fromThrown(where, err);
    }
  }

  private success(spec: MethodSpec, where: FailedRequest, result: unknown): Reply {
    if (this.options.checkResults) checkResult(spec, result);
    return { jsonrpc: '2.0', id: where.id, result: result === undefined ? null : result };
  }
}
