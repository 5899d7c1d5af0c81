/**
 * The HTTP listener: a Fastify instance bound to one address, with what every route
 * shares and nothing that knows JSON-RPC. It logs through the daemon's pino logger (no
 * request headers, no query strings), limits bodies, sets security headers (helmet),
 * answers CORS only when asked, and runs the caller's `guard` (the Host and Origin
 * allowlists) before anything else looks at a request. Routes, authentication and
 * rate limits are added by the caller on `app` before `listen()`.
 *
 * Stopping has the socket server's three steps: `refuseNew()` (new requests get the
 * caller's stopping reply while the port stays bound), `drain()` (wait, bounded, for
 * requests in flight), and `close()`.
 */
import cors from '@fastify/cors';
import helmet from '@fastify/helmet';
import Fastify, { LogController, type FastifyInstance, type FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { INVALID_JSON_BODY } from '../core/errors.js';

/** A reply the listener sends on the caller's behalf. */
export interface ListenerReply {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

export interface HttpListenerOptions {
  host: string;
  port: number;
  tls?: { cert: Buffer; key: Buffer };
  bodyLimitBytes: number;
  logger: Logger;
  /** Answer CORS for origins `corsOrigin` accepts; off: no CORS headers at all. */
  cors: boolean;
  corsOrigin(origin: string): boolean;
  /** Runs first on every request; a reply refuses it before any other work. */
  guard(req: FastifyRequest): ListenerReply | undefined;
  /** What a request gets once `refuseNew()` was called. */
  stoppingReply(): ListenerReply;
}

/** Only what identifies a request in a log line: never headers (Authorization) or the query. */
const serializers = {
  req: (req: { method?: string; url?: string; socket?: { remoteAddress?: string } }) => ({
    method: req.method,
    path: req.url?.split('?')[0],
    remoteAddress: req.socket?.remoteAddress,
  }),
  res: (res: { statusCode?: number }) => ({ statusCode: res.statusCode }),
};

export class HttpListener {
  private stopping = false;
  private inFlight = 0;
  private idle: (() => void) | undefined;
  private bound: { host: string; port: number } | undefined;

  private constructor(
    readonly app: FastifyInstance,
    private readonly options: HttpListenerOptions,
  ) {}

  static async create(options: HttpListenerOptions): Promise<HttpListener> {
    const logger = options.logger.child({ component: 'http' }, { serializers });
    const app = Fastify({
      loggerInstance: logger,
      logController: new LogController({ disableRequestLogging: true }),
      bodyLimit: options.bodyLimitBytes,
      trustProxy: false,
      return503OnClosing: true,
      forceCloseConnections: 'idle',
      requestTimeout: 120_000,
      connectionTimeout: 30_000,
      keepAliveTimeout: 5_000,
      ...(options.tls ? { https: { cert: options.tls.cert, key: options.tls.key } } : {}),
    }) as unknown as FastifyInstance;
    const listener = new HttpListener(app, options);
    // JSON bodies as the socket reads its lines (JSON.parse); an empty body is no body, so
    // a DELETE or GET that names a JSON content type without sending one is not an error.
    app.removeContentTypeParser('application/json');
    app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => {
      if (body === '') return done(null, undefined);
      try {
        done(null, JSON.parse(body as string));
      } catch {
        done(Object.assign(new Error('the body is not valid JSON'), { code: INVALID_JSON_BODY }));
      }
    });
    await app.register(helmet, {
      global: true,
      contentSecurityPolicy: {
        useDefaults: false,
        directives: { 'default-src': ["'none'"], 'frame-ancestors': ["'none'"] },
      },
      strictTransportSecurity: options.tls ? { maxAge: 31_536_000 } : false,
    });
    // After helmet (so refusals carry its headers), before CORS and everything else.
    app.addHook('onRequest', async (req, reply) => {
      listener.track(reply.raw);
      const refusal = listener.stopping ? options.stoppingReply() : options.guard(req);
      if (refusal) {
        if (listener.stopping) reply.header('connection', 'close');
        return reply
          .code(refusal.status)
          .headers(refusal.headers ?? {})
          .send(refusal.body);
      }
    });
    if (options.cors) {
      await app.register(cors, {
        origin: (origin, cb) => cb(null, origin !== undefined && options.corsOrigin(origin)),
        methods: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'],
        // The MCP Streamable HTTP headers too, so a browser client (the MCP Inspector) on
        // an allowed origin can hold a session: it must send and read Mcp-Session-Id.
        allowedHeaders: [
          'authorization',
          'content-type',
          'x-aistack-session',
          'x-aistack-project',
          'mcp-session-id',
          'mcp-protocol-version',
          'last-event-id',
        ],
        exposedHeaders: ['mcp-session-id'],
        maxAge: 600,
      });
    }
    return listener;
  }

  /** Binds the address; resolves once listening. */
  async listen(): Promise<{ host: string; port: number }> {
    await this.app.listen({ host: this.options.host, port: this.options.port });
    const address = this.app.server.address();
    if (!address || typeof address === 'string') throw new Error('HTTP listener has no address');
    this.bound = { host: address.address, port: address.port };
    return this.bound;
  }

  /** Where it listens; undefined before `listen()` and after `close()`. */
  get address(): { host: string; port: number } | undefined {
    return this.bound;
  }

  get inFlightCount(): number {
    return this.inFlight;
  }

  /** From now on every new request gets the stopping reply; requests in flight go on. */
  refuseNew(): void {
    this.stopping = true;
  }

  /** Resolves true once no request is in flight, or false after `timeoutMs`. */
  drain(timeoutMs: number): Promise<boolean> {
    if (this.inFlight === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.idle = undefined;
        resolve(false);
      }, timeoutMs);
      this.idle = () => {
        clearTimeout(timer);
        this.idle = undefined;
        resolve(true);
      };
    });
  }

  async close(): Promise<void> {
    this.stopping = true;
    await this.app.close();
    this.bound = undefined;
  }

  private track(res: { once(event: 'close', cb: () => void): unknown }): void {
    this.inFlight++;
    res.once('close', () => {
      this.inFlight--;
      if (this.inFlight === 0) this.idle?.();
    });
  }
}
