/**
 * Dispatch: one JSON line in, one JSON line (or nothing, for notifications) out. The
 * `json-rpc-2.0` server does the protocol; this module adds what it leaves to us —
 * zod validation with the issues in `data`, batch replies that are always arrays,
 * per-method counts, and error replies that never carry a stack or a secret.
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
import type { CallContext, ConnectionInfo, MethodDef } from './method.js';
import { RequestMetrics } from './metrics.js';
import type { RequestGate } from '../core/request-gate.js';
import type { Services } from '../services/services.js';

export interface DispatcherOptions {
  methods: readonly MethodDef[];
  services: Services;
  logger: Logger;
  redactor: Redactor;
  /** Told of every refused or failed request (for the audit log). */
  onRefusal?(event: { method: string; code: string; connection: number; message: string }): void;
  /** Every request runs inside this gate, so a database restore can hold requests meanwhile. */
  gate?: RequestGate;
}

type Ctx = CallContext;

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
  private readonly methods: MethodDef[];
  private readonly known: Set<string>;
  private services: Services;

  constructor(private readonly options: DispatcherOptions) {
    this.services = options.services;
    this.methods = [...options.methods];
    this.known = new Set(options.methods.map((m) => m.name));
    this.metrics = new RequestMetrics(this.known);
    for (const method of options.methods) {
      this.server.addMethod(method.name, (raw, ctx) => this.invoke(method, raw, ctx));
    }
    this.server.mapErrorToJSONRPCErrorResponse = (id, error) => this.toErrorResponse(id, error);
    this.server.applyMiddleware(async (next, request, ctx) => {
      this.metrics.request(request.method);
      let response: JSONRPCResponse | null;
      const gate = this.options.gate;
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
  addDynamicMethod(method: MethodDef): void {
    if (this.server.hasMethod(method.name)) throw new Error(`method ${method.name} already exists`);
    this.methods.push(method);
    this.known.add(method.name);
    this.server.addMethod(method.name, (raw, ctx) => this.invoke(method, raw, ctx));
  }

  /** Removes a method added with addDynamicMethod; methods of the static table stay. */
  removeMethod(name: string): boolean {
    const i = this.methods.findIndex((m) => m.name === name);
    if (i < 0 || this.options.methods.some((m) => m.name === name)) return false;
    this.methods.splice(i, 1);
    this.server.removeMethod(name);
    return true;
  }

  private async invoke(method: MethodDef, raw: unknown, ctx: Ctx): Promise<unknown> {
    if (Array.isArray(raw)) {
      throw new JSONRPCErrorException(
        'params must be an object of named parameters',
        ERROR_CODES.INVALID_PARAMS,
      );
    }
    const parsed = method.params.safeParse(raw ?? {});
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
    const result = await method.handler(parsed.data, ctx);
    return result === undefined ? null : result;
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
      this.noteError(
        '(parse error)',
        ERROR_CODES.PARSE_ERROR,
        'parse error',
        this.context(connection),
      );
      return errorLine(null, 'PARSE_ERROR', 'parse error: the line is not valid JSON');
    }
    const ctx = this.context(connection);
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

  private context(connection: ConnectionInfo): Ctx {
    const current = () => this.services;
    return {
      // Read when the handler runs, not when the line arrived: a request held at the gate
      // during a restore must reach the services of the restored database.
      get services() {
        return current();
      },
      connection,
      methods: this.methods,
    };
  }
}
