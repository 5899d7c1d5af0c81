/**
 * Dispatch: one JSON line in, one JSON line (or nothing, for notifications) out. The
 * `json-rpc-2.0` server does the protocol; this module adds what it leaves to us —
 * zod validation with the issues in `data`, a RequestContext for every call, batch
 * replies that are always arrays, per-method counts, error replies that never carry a
 * stack or a secret, and (with `checkResults`) a check of every answer against its
 * method's result schema.
 */
import {
  JSONRPCErrorException,
  JSONRPCServer,
  createJSONRPCErrorResponse,
  type JSONRPCErrorResponse,
  type JSONRPCID,
  type JSONRPCResponse,
} from 'json-rpc-2.0';
import type { Logger } from 'pino';
import type { Redactor } from '../config/secrets.js';
import { AppError } from '../core/errors.js';
import { ERROR_NUMBERS as ERROR_CODES, errorCodeName } from '../protocol/error-codes.js';
import type { MethodSpec } from '../protocol/method.js';
import type { RequestContext } from './context.js';
import type { AnyHandler } from './handler.js';
import { RequestMetrics } from './metrics.js';
import type { RequestGate } from '../core/request-gate.js';
import type { Services } from '../services/services.js';

/** The calling connection, as the transport hands it to dispatch. */
export interface ConnectionInfo {
  readonly id: number;
  /** Sends a JSON-RPC notification to this connection only (streaming output). */
  notify(method: string, params: unknown): boolean;
  readonly closed: boolean;
  onClose(listener: () => void): void;
}

export interface DispatcherOptions {
  methods: readonly MethodSpec[];
  /** The handler of each method in `methods`, by name. */
  handlers: Readonly<Record<string, AnyHandler>>;
  services: Services;
  logger: Logger;
  redactor: Redactor;
  /** Told of every refused or failed request (for the audit log). */
  onRefusal?(event: { method: string; code: string; connection: number; message: string }): void;
  /** Every request runs inside this gate, so a database restore can hold requests meanwhile. */
  gate?: RequestGate;
  /**
   * Check every answer against its method's result schema; one that fails is logged
   * with the zod issues and answered as INTERNAL. For tests and development: it costs a
   * parse of every result.
   */
  checkResults?: boolean;
}

/** What the JSON-RPC server carries per line; each call gets its RequestContext from it. */
interface Ctx {
  connection: ConnectionInfo;
  requestId?: JSONRPCID | undefined;
}

interface Served {
  spec: MethodSpec;
  handler: AnyHandler;
}

export function errorLine(
  id: JSONRPCID,
  code: keyof typeof ERROR_CODES,
  message: string,
  data?: unknown,
): string {
  return JSON.stringify(createJSONRPCErrorResponse(id, ERROR_CODES[code], message, data));
}

export class Dispatcher {
  readonly metrics: RequestMetrics;
  private readonly server = new JSONRPCServer<Ctx>({ errorListener: () => {} });
  /** The table plus methods added at run time (plugins); `system.methods` reads it live. */
  private readonly methods: MethodSpec[];
  private readonly known: Set<string>;
  private services: Services;
  /** Per open connection, the signals of its calls in flight: aborted when it closes. */
  private readonly inFlight = new Map<number, Set<AbortController>>();

  constructor(private readonly options: DispatcherOptions) {
    this.services = options.services;
    this.methods = [...options.methods];
    this.known = new Set(options.methods.map((m) => m.name));
    this.metrics = new RequestMetrics(this.known);
    for (const spec of options.methods) {
      const handler = options.handlers[spec.name];
      if (!handler) throw new Error(`no handler for method ${spec.name}`);
      this.serve({ spec, handler });
    }
    this.server.mapErrorToJSONRPCErrorResponse = (id, error) => this.toErrorResponse(id, error);
    this.server.applyMiddleware(async (next, request, lineCtx) => {
      this.metrics.request(request.method);
      let response: JSONRPCResponse | null;
      const gate = this.options.gate;
      const ctx: Ctx = { ...lineCtx, requestId: request.id };
      try {
        response = gate ? await gate.run(async () => next(request, ctx)) : await next(request, ctx);
      } catch (err) {
        const failure = this.toErrorResponse(request.id ?? null, err);
        this.noteError(request.method, failure.error.code, failure.error.message, ctx);
        return request.id === undefined ? null : failure;
      }
      if (response?.error)
        this.noteError(request.method, response.error.code, response.error.message, ctx);
      return response;
    });
  }

  /** Adds a method at run time (a plugin's); a name already served is refused. */
  addDynamicMethod(spec: MethodSpec, handler: AnyHandler): void {
    if (this.server.hasMethod(spec.name)) throw new Error(`method ${spec.name} already exists`);
    this.methods.push(spec);
    this.known.add(spec.name);
    this.serve({ spec, handler });
  }

  private serve(method: Served): void {
    this.server.addMethod(method.spec.name, (raw, ctx) => this.invoke(method, raw, ctx));
  }

  /** Removes a method added with addDynamicMethod; methods of the static table stay. */
  removeMethod(name: string): boolean {
    const i = this.methods.findIndex((m) => m.name === name);
    if (i < 0 || this.options.methods.some((m) => m.name === name)) return false;
    this.methods.splice(i, 1);
    this.server.removeMethod(name);
    return true;
  }

  private async invoke({ spec, handler }: Served, raw: unknown, ctx: Ctx): Promise<unknown> {
    if (Array.isArray(raw)) {
      throw new JSONRPCErrorException(
        'params must be an object of named parameters',
        ERROR_CODES.INVALID_PARAMS,
      );
    }
    const parsed = spec.params.safeParse(raw ?? {});
    if (!parsed.success) {
      const issues = parsed.error.issues.map((i) => ({
        path: i.path.map(String).join('.'),
        code: i.code,
        message: i.message,
      }));
      const fields = [...new Set(issues.map((i) => i.path || '(params)'))].join(', ');
      throw new JSONRPCErrorException(`invalid params: ${fields}`, ERROR_CODES.INVALID_PARAMS, {
        issues,
      });
    }
    const controller = this.callSignal(ctx.connection);
    try {
      const result = await handler(parsed.data, this.requestContext(spec, ctx, controller.signal));
      const answer = result === undefined ? null : result;
      if (this.options.checkResults) this.checkResult(spec, answer);
      return answer;
    } finally {
      this.inFlight.get(ctx.connection.id)?.delete(controller);
    }
  }

  /** A signal for one call, aborted if its connection closes before the call is done. */
  private callSignal(connection: ConnectionInfo): AbortController {
    const controller = new AbortController();
    if (connection.closed) {
      controller.abort();
      return controller;
    }
    let calls = this.inFlight.get(connection.id);
    if (!calls) {
      const set = new Set<AbortController>();
      calls = set;
      this.inFlight.set(connection.id, set);
      connection.onClose(() => {
        this.inFlight.delete(connection.id);
        for (const c of set) c.abort();
      });
    }
    calls.add(controller);
    return controller;
  }

  private requestContext(spec: MethodSpec, ctx: Ctx, signal: AbortSignal): RequestContext {
    const current = () => this.services;
    const { connection } = ctx;
    return {
      method: spec.name,
      requestId: ctx.requestId,
      caller: { connection: connection.id, transport: 'socket' },
      signal,
      notify: (method, params) => connection.notify(method, params),
      op: { method: spec.name, connection: connection.id },
      // Read when the handler runs, not when the line arrived: a request held at the gate
      // during a restore must reach the services of the restored database.
      get services() {
        return current();
      },
      methods: this.methods,
    };
  }

  /** Throws INTERNAL (after logging why) when an answer is not what its schema promises. */
  private checkResult(spec: MethodSpec, answer: unknown): void {
    const checked = spec.result.safeParse(answer);
    if (checked.success) return;
    const issues = checked.error.issues.map((i) => ({
      path: i.path.map(String).join('.'),
      code: i.code,
      message: i.message,
    }));
    this.options.logger.error(
      { method: spec.name, issues },
      'a result does not match its schema (a bug in the handler or the schema)',
    );
    const at = [...new Set(issues.map((i) => i.path || '(result)'))].slice(0, 5).join(', ');
    throw new AppError(
      'INTERNAL',
      `internal error: the result of ${spec.name} does not match its schema (at ${at}; see the daemon log)`,
    );
  }

  private noteError(method: string, code: number, message: string, ctx: Ctx): void {
    this.metrics.error(method);
    const name = errorCodeName(code) ?? String(code);
    this.options.onRefusal?.({ method, code: name, connection: ctx.connection.id, message });
  }

  private toErrorResponse(id: JSONRPCID, error: unknown): JSONRPCErrorResponse {
    const { redactor, logger } = this.options;
    if (error instanceof AppError) {
      const data = error.data
        ? redactor.scrub({ code: error.code, ...error.data })
        : { code: error.code };
      return createJSONRPCErrorResponse(
        id,
        ERROR_CODES[error.code],
        redactor.scrubText(error.message),
        data,
      );
    }
    if (error instanceof JSONRPCErrorException) {
      const data = { code: errorCodeName(error.code), ...(error.data as object | undefined) };
      return createJSONRPCErrorResponse(
        id,
        error.code,
        redactor.scrubText(error.message),
        redactor.scrub(data),
      );
    }
    logger.error({ err: error }, 'unexpected error in a method handler');
    return createJSONRPCErrorResponse(
      id,
      ERROR_CODES.INTERNAL,
      'internal error (see the daemon log)',
      {
        code: 'INTERNAL',
      },
    );
  }

  /** Handles one framed line; resolves to the reply line, or null when none is due. */
  async handleLine(line: string, connection: ConnectionInfo): Promise<string | null> {
    let message: unknown;
    try {
      message = JSON.parse(line);
    } catch {
      this.metrics.request('(parse error)');
      this.noteError('(parse error)', ERROR_CODES.PARSE_ERROR, 'parse error', { connection });
      return errorLine(null, 'PARSE_ERROR', 'parse error: the line is not valid JSON');
    }
    const ctx = { connection };
    if (Array.isArray(message)) {
      if (message.length === 0)
        return errorLine(null, 'INVALID_REQUEST', 'invalid request: empty batch');
      const replies = await this.server.receive(message, ctx);
      if (replies === null) return null;
      return JSON.stringify(Array.isArray(replies) ? replies : [replies]);
    }
    if (message === null || typeof message !== 'object') {
      return errorLine(null, 'INVALID_REQUEST', 'invalid request: expected a JSON-RPC object');
    }
    const reply: JSONRPCResponse | null = await this.server.receive(message as never, ctx);
    return reply === null ? null : JSON.stringify(reply);
  }

  /** Serves from these services from now on (the daemon rebuilds them after a restore). */
  setServices(services: Services): void {
    this.services = services;
  }
}
