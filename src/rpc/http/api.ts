/**
 * The routes of the HTTP front door, on a Fastify instance the transport made: bearer
 * authentication on every route, the per-token rate limit, the REST routes generated
 * from the method table, `POST /api/v1/rpc`, the OpenAPI document and `/metrics`.
 *
 * Every method call goes through the dispatcher exactly as a socket request does (scope
 * check, zod validation, audit records, the one error path); an HTTP request is a
 * dispatch connection of its own, authenticated by its bearer token, aborted when the
 * client goes away. MCP at /mcp (daemon/mcp-http/) reads the request's principal from
 * `req.principal` too, and calls methods through `Dispatcher.call` on a dispatch
 * connection each MCP session holds for its lifetime.
 */
import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { INVALID_JSON_BODY } from '../../core/errors.js';
import type { Config } from '../../config/schema.js';
import { ERROR_HTTP_STATUS, httpErrorBody } from '../../protocol/http-status.js';
import type { MethodSpec } from '../../protocol/method.js';
import { API_PREFIX, openApiDocument, routeGroups } from '../../protocol/openapi.js';
import type { Scope } from '../../protocol/scopes.js';
import type { Principal } from '../../services/access/tokens.js';
import type { Dispatcher, Reply } from '../dispatch.js';
import type { DispatchConnection } from '../dispatch-connection.js';
import type { ErrorReply } from '../error-path.js';
import { merge, ParamsRefused, queryParams, SESSION_HEADER, sessionFromHeader } from './params.js';
import type { RefusalAudit } from './refusal-audit.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Who the bearer token belongs to; set by the auth hook before any route runs. */
    principal: Principal | null;
  }
}

export interface ApiDeps {
  dispatcher: Dispatcher;
  methods: readonly MethodSpec[];
  authenticate(token: string): Principal | undefined;
  config: () => Config['http'];
  refusals: RefusalAudit;
  metrics: Registry;
  logger: Logger;
  version: string;
  /** The base URL the listener serves (for the OpenAPI `servers`). */
  baseUrl: () => string;
  /** A number for each HTTP request, unique among the daemon's connections. */
  nextConnectionId: () => number;
  /** Paths whose routes authenticate by other means (the dashboard's cookie): no bearer token asked. */
  ownAuthentication?: (path: string) => boolean;
}

const TOKEN_FIX =
  'send `Authorization: Bearer <token>` with a token from `aistack token create --name NAME --scope SCOPE` (or the owner token in <data dir>/owner.token)';

const holds = (p: Principal, scope: Scope) => p.scopes.has(scope) || p.scopes.has('admin');

function bearer(header: string | undefined): string | undefined {
  const m = header ? /^Bearer[ ]+([^\s]+)\s*$/i.exec(header) : null;
  return m?.[1];
}

/** Sends a dispatch error reply with its code's status. */
function sendError(reply: FastifyReply, r: ErrorReply, rpc = false) {
  const status = ERROR_HTTP_STATUS[r.error.data.code];
  return reply.code(status).send(rpc ? r : { error: r.error });
}

export async function registerApi(app: FastifyInstance, deps: ApiDeps): Promise<void> {
  const { dispatcher } = deps;
  app.decorateRequest('principal', null);

  // Authentication: every route, before the body is read.
  app.addHook('onRequest', async (req, reply) => {
    if (deps.ownAuthentication?.(req.url.split('?')[0]!)) return;
    const token = bearer(req.headers.authorization);
    const principal = token === undefined ? undefined : deps.authenticate(token);
    if (principal) {
      req.principal = principal;
      return;
    }
    const why =
      token === undefined
        ? `this request has no bearer token: ${TOKEN_FIX}`
        : `that bearer token is not valid here (unknown, revoked or expired): ${TOKEN_FIX}`;
    deps.refusals.record('authentication', {
      path: req.url.split('?')[0]!.slice(0, 200),
      remoteAddress: req.ip,
      reason: token === undefined ? 'no bearer token' : 'unknown, revoked or expired token',
    });
    return reply
      .code(401)
      .header('www-authenticate', 'Bearer realm="aistack"')
      .send(httpErrorBody('UNAUTHENTICATED', why));
  });

  await app.register(rateLimit, {
    global: true,
    hook: 'onRequest',
    max: () => deps.config().rateLimit.max,
    timeWindow: deps.config().rateLimit.windowMs,
    keyGenerator: (req) => req.principal?.fingerprint ?? req.ip,
    onExceeded: (req) =>
      deps.refusals.record('rate_limited', {
        token: req.principal?.name ?? null,
        path: req.url.split('?')[0]!.slice(0, 200),
      }),
    errorResponseBuilder: (req, ctx) => {
      const seconds = Math.max(1, Math.ceil(ctx.ttl / 1000));
      const r = dispatcher.refusal(
        'RATE_LIMITED',
        `token "${req.principal?.name ?? '?'}" made more than ${ctx.max} requests in ${ctx.after}; retry in ${seconds} s (http.rateLimit)`,
        deps.nextConnectionId(),
        { retryAfterSeconds: seconds },
      );
      return Object.assign(new Error(r.error.message), { statusCode: 429, aistack: r });
    },
  });

  app.setErrorHandler(
    (err: Error & { statusCode?: number; code?: string; aistack?: ErrorReply }, req, reply) => {
      const rpc = req.url.startsWith(`${API_PREFIX}/rpc`);
      if (err.aistack) return sendError(reply, err.aistack, rpc);
      const id = deps.nextConnectionId();
      if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
        const limit = deps.config().bodyLimitBytes;
        const r = dispatcher.refusal(
          'PAYLOAD_TOO_LARGE',
          `request body larger than ${limit} bytes (http.bodyLimitBytes)`,
          id,
          { limitBytes: limit },
        );
        return sendError(reply, r, rpc);
      }
      if (err.code === INVALID_JSON_BODY) {
        return sendError(
          reply,
          dispatcher.refusal('PARSE_ERROR', 'parse error: the body is not valid JSON', id),
          rpc,
        );
      }
      if (err.statusCode !== undefined && err.statusCode >= 400 && err.statusCode < 500) {
        const r = dispatcher.refusal(
          'INVALID_REQUEST',
          `invalid request: ${err.message}`.slice(0, 300),
          id,
        );
        return reply.code(err.statusCode).send(rpc ? r : { error: r.error });
      }
      deps.logger.error({ err, path: req.url.split('?')[0] }, 'unexpected error in an HTTP route');
      return reply.code(500).send(httpErrorBody('INTERNAL', 'internal error (see the daemon log)'));
    },
  );

  app.setNotFoundHandler((req, reply) =>
    reply
      .code(404)
      .send(
        httpErrorBody(
          'NOT_FOUND',
          `no route ${req.method} ${req.url.split('?')[0]!.slice(0, 200)} (see ${API_PREFIX}/openapi.json)`,
        ),
      ),
  );

  /** Runs one method for this request, as its principal, through dispatch. */
  const callAs = async (
    req: FastifyRequest,
    reply: FastifyReply,
    method: string,
    params: unknown,
  ) => {
    const connection = open(req, reply);
    try {
      return await dispatcher.call(method, params, connection);
    } finally {
      dispatcher.disconnect(connection);
    }
  };

  const open = (req: FastifyRequest, reply: FastifyReply): DispatchConnection => {
    const connection = dispatcher.connect({
      id: deps.nextConnectionId(),
      transport: 'http',
      notify: () => false,
    });
    connection.principal = req.principal ?? undefined;
    // The client went away before its answer: abort what it started, as a closed socket does.
    reply.raw.once('close', () => {
      if (!reply.raw.writableFinished) dispatcher.disconnect(connection);
    });
    return connection;
  };

  for (const { route, specs } of routeGroups(deps.methods)) {
    app.route({
      method: route.method,
      url: API_PREFIX + route.path,
      handler: async (req, reply) => {
        const query = (req.query ?? {}) as Record<string, string | string[]>;
        const spec = specs.find((s) => s.http!.when && s.http!.when in query) ?? specs[0]!;
        let params: Record<string, unknown>;
        try {
          params = buildParams(spec, req, query);
        } catch (err) {
          if (!(err instanceof ParamsRefused)) throw err;
          return sendError(
            reply,
            dispatcher.refusal('INVALID_PARAMS', err.message, deps.nextConnectionId()),
          );
        }
        const r: Reply = await callAs(req, reply, spec.name, params);
        if ('error' in r) return sendError(reply, r);
        return reply.code(200).send(r.result);
      },
    });
  }

  app.post(`${API_PREFIX}/rpc`, async (req, reply) => {
    const connection = open(req, reply);
    try {
      const replies = await dispatcher.handleParsed(req.body, connection);
      if (replies === null) return reply.code(204).send();
      return reply.code(200).send(replies);
    } finally {
      dispatcher.disconnect(connection);
    }
  });

  let openapi: string | undefined;
  app.get(`${API_PREFIX}/openapi.json`, async (req, reply) => {
    if (!needs(req, reply, 'system:read')) return reply;
    openapi ??= JSON.stringify(
      openApiDocument(deps.methods, { serverUrl: deps.baseUrl(), version: deps.version }),
    );
    return reply.type('application/json').send(openapi);
  });

  app.get('/metrics', async (req, reply) => {
    if (!needs(req, reply, 'metrics:read')) return reply;
    return reply.type(deps.metrics.contentType).send(await deps.metrics.metrics());
  });

  /** A route outside the method table checks its scope here, refusing as dispatch would. */
  function needs(req: FastifyRequest, reply: FastifyReply, scope: Scope): boolean {
    const p = req.principal!;
    if (holds(p, scope)) return true;
    const r = dispatcher.refusal(
      'FORBIDDEN',
      `${req.url.split('?')[0]} needs the ${scope} scope; the token "${p.name}" holds ${[...p.scopes].join(', ') || 'none'}`,
      deps.nextConnectionId(),
    );
    void sendError(reply, r);
    return false;
  }
}

function buildParams(
  spec: MethodSpec,
  req: FastifyRequest,
  query: Record<string, string | string[]>,
): Record<string, unknown> {
  const route = spec.http!;
  const fromPath = (req.params ?? {}) as Record<string, string>;
  let params: Record<string, unknown>;
  if (route.method === 'GET' || route.method === 'DELETE') {
    params = queryParams(spec, route, query);
  } else {
    const body = req.body ?? {};
    if (typeof body !== 'object' || Array.isArray(body)) {
      throw new ParamsRefused('the request body must be a JSON object of the method params');
    }
    params = { ...(body as Record<string, unknown>) };
    if ('sessionToken' in query) {
      throw new ParamsRefused(
        'a session token may not travel in the URL: use the X-Aistack-Session header',
      );
    }
  }
  merge(params, fromPath, 'the path');
  merge(
    params,
    sessionFromHeader(spec, req.headers[SESSION_HEADER]),
    'the X-Aistack-Session header',
  );
  return params;
}
