/**
 * The HTTP front door, assembled: when `http.enabled`, a listener (transport) with the
 * Host/Origin guard, the API routes (rpc/http) and the metrics registry, bound at start
 * and stopped with the daemon in the socket's three steps. Off, nothing is loaded: the
 * Fastify modules are imported only when the front door is on.
 *
 * HTTP requests are numbered from HTTP_CONNECTION_BASE, so an audit record's
 * `connection` tells an HTTP request from a socket connection.
 */
import { readFileSync, statSync } from 'node:fs';
import type { Logger } from 'pino';
import type { Config } from '../config/schema.js';
import { httpErrorBody } from '../protocol/http-status.js';
import type { HttpStatus } from '../protocol/http.js';
import { API_PREFIX } from '../protocol/openapi.js';
import type { Dispatcher } from '../rpc/dispatch.js';
import { allowedHosts, allowedOrigins, hostOriginGuard, originAllowed } from '../rpc/http/guard.js';
import type { MetricSources } from '../rpc/prometheus.js';
import type { RefusalAudit } from '../rpc/http/refusal-audit.js';
import type { MethodSpec } from '../protocol/method.js';
import type { DashboardLogins } from '../services/access/dashboard-logins.js';
import type { AuditSink } from '../services/audit/audit-sink.js';
import type { Principal } from '../services/access/tokens.js';
import type { HttpListener } from '../transport/http-listener.js';
import type { McpSessions } from './mcp-http/mcp-sessions.js';
import { VERSION } from '../core/version.js';
import type { CountingAudit } from './audit-counts.js';
import type { ProcessScope } from './process-scope.js';

export const HTTP_CONNECTION_BASE = 1_000_000_000;

export interface HttpFrontDeps {
  config: () => Config;
  logger: Logger;
  dispatcher: Dispatcher;
  methods: readonly MethodSpec[];
  authenticate(token: string): Principal | undefined;
  audit: () => AuditSink;
  version: string;
  /** The dashboard's sign-in links and sessions. */
  dashboard: DashboardLogins;
  now: () => number;
  /** Everything /metrics shows but the HTTP refusals, which the front door adds. */
  metrics: Omit<MetricSources, 'httpRefusals' | 'connections'> & { socketConnections(): number };
}

/** The TLS files, read once at start; a key others may read is refused. */
function readTls(tls: Config['http']['tls']): { cert: Buffer; key: Buffer } | undefined {
  if (!tls.certFile || !tls.keyFile) return undefined;
  const mode = statSync(tls.keyFile).mode & 0o777;
  if (mode & 0o077) {
    throw new Error(
      `http.tls.keyFile ${tls.keyFile} may be read by others (mode ${mode.toString(8)}): chmod 600 it`,
    );
  }
  return { cert: readFileSync(tls.certFile), key: readFileSync(tls.keyFile) };
}

export class HttpFront {
  private mcp: McpSessions | undefined;

  private constructor(
    private readonly listener: HttpListener,
    private readonly refusals: RefusalAudit,
    private readonly config: () => Config,
    private readonly tls: boolean,
  ) {}

  /** Binds the listener when `http.enabled`; undefined when it is off. */
  static async start(deps: HttpFrontDeps): Promise<HttpFront | undefined> {
    const http = deps.config().http;
    if (!http.enabled) return undefined;
    const tls = readTls(http.tls);
    const [
      { HttpListener },
      { registerApi },
      { RefusalAudit },
      { buildMetricsRegistry },
      { McpSessions },
      { registerDashboard, isDashboardPath },
    ] = await Promise.all([
      import('../transport/http-listener.js'),
      import('../rpc/http/api.js'),
      import('../rpc/http/refusal-audit.js'),
      import('../rpc/prometheus.js'),
      import('./mcp-http/mcp-sessions.js'),
      import('../rpc/http/dashboard.js'),
    ]);
    const refusals = new RefusalAudit({ audit: deps.audit });
    let port = http.port;
    const bound = () => ({ port, tls: tls !== undefined });
    const httpConfig = () => deps.config().http;
    let nextId = HTTP_CONNECTION_BASE;
    const listener = await HttpListener.create({
      host: http.host,
      port: http.port,
      ...(tls ? { tls } : {}),
      bodyLimitBytes: http.bodyLimitBytes,
      logger: deps.logger,
      cors: http.cors,
      corsOrigin: (origin) => originAllowed(origin, httpConfig(), bound()),
      guard: hostOriginGuard({ config: httpConfig, bound, refusals }),
      stoppingReply: () => ({
        status: 503,
        body: httpErrorBody('SHUTTING_DOWN', 'the daemon is stopping; try again in a moment', {
          notStarted: true,
        }),
        headers: { 'retry-after': '1' },
      }),
    });
    const front = new HttpFront(listener, refusals, deps.config, tls !== undefined);
    const metrics = buildMetricsRegistry({
      ...deps.metrics,
      httpRefusals: () => refusals.totals(),
      connections: () => ({
        socket: deps.metrics.socketConnections(),
        httpInFlight: listener.inFlightCount,
        mcpSessions: front.mcp?.count ?? 0,
      }),
    });
    await registerApi(listener.app, {
      dispatcher: deps.dispatcher,
      methods: deps.methods,
      authenticate: deps.authenticate,
      config: httpConfig,
      refusals,
      metrics,
      logger: deps.logger,
      version: deps.version,
      baseUrl: () => front.status().url ?? '',
      nextConnectionId: () => ++nextId,
      ownAuthentication: isDashboardPath,
    });
    await registerDashboard(listener.app, {
      dispatcher: deps.dispatcher,
      logins: deps.dashboard,
      refusals,
      nextConnectionId: () => ++nextId,
      tls: tls !== undefined,
      now: deps.now,
      counters: () => {
        const { total } = deps.metrics.requests.snapshot();
        const counts: Record<string, number> = { requests: total.requests, errors: total.errors };
        for (const [kind, n] of refusals.totals()) counts[`refused:${kind}`] = n;
        return counts;
      },
    });
    front.mcp = new McpSessions({
      dispatcher: deps.dispatcher,
      methods: deps.methods,
      config: () => httpConfig().mcp,
      logger: deps.logger,
      nextConnectionId: () => ++nextId,
      now: deps.metrics.now,
    });
    front.mcp.register(listener.app);
    const address = await listener.listen();
    port = address.port;
    deps.logger.info(
      { http: front.status().url, address: address.host, port, tls: tls !== undefined },
      'aistackd HTTP listening',
    );
    return front;
  }

  status(): HttpStatus {
    return describe(this.config(), this.listener.address, this.tls);
  }

  /**
   * Closes every MCP session at /mcp, ending their aistack sessions: an MCP session lives
   * in this process only, so its client must initialize anew after a restart, and its
   * private entries would otherwise wait for the idle cleanup. Runs before dispatch stops
   * taking requests; it also ends their SSE streams, which a drain would wait for.
   */
  async closeMcpSessions(): Promise<void> {
    await this.mcp?.closeAll('the daemon is stopping');
  }

  refuseNew(): void {
    this.listener.refuseNew();
  }

  drain(timeoutMs: number): Promise<boolean> {
    return this.listener.drain(timeoutMs);
  }

  async close(): Promise<void> {
    await this.closeMcpSessions();
    this.refusals.flush();
    await this.listener.close();
  }
}

/** The front door as `http.status` shows it (off, or where it listens). */
export function describe(
  config: Config,
  address: { host: string; port: number } | undefined,
  tls: boolean,
): HttpStatus {
  const http = config.http;
  if (!address) {
    return {
      enabled: http.enabled,
      listening: false,
      url: null,
      apiUrl: null,
      mcpUrl: null,
      metricsUrl: null,
      host: null,
      port: null,
      tls: Boolean(http.tls.certFile),
      allowedHosts: [],
      allowedOrigins: [],
      cors: http.cors,
    };
  }
  const shownHost = address.host.includes(':') ? `[${address.host}]` : address.host;
  const url = `${tls ? 'https' : 'http'}://${shownHost}:${address.port}`;
  const bound = { port: address.port, tls };
  return {
    enabled: http.enabled,
    listening: true,
    url,
    apiUrl: `${url}${API_PREFIX}`,
    mcpUrl: `${url}/mcp`,
    metricsUrl: `${url}/metrics`,
    host: address.host,
    port: address.port,
    tls,
    allowedHosts: allowedHosts(http, bound),
    allowedOrigins: allowedOrigins(http, bound),
    cors: http.cors,
  };
}

/** Starts the front door over the process scope's dispatcher, tokens and counters. */
export function startFrontDoor(
  proc: ProcessScope,
  o: {
    config: () => Config;
    logger: Logger;
    audit: CountingAudit;
    activeSessions: () => number;
    now: () => number;
  },
): Promise<HttpFront | undefined> {
  return HttpFront.start({
    config: o.config,
    logger: o.logger,
    dispatcher: proc.dispatcher,
    methods: proc.dispatcher.methods,
    authenticate: (token) => proc.tokens.authenticate(token),
    audit: () => o.audit,
    version: VERSION,
    dashboard: proc.dashboard,
    now: o.now,
    metrics: {
      requests: proc.dispatcher.metrics,
      activeSessions: o.activeSessions,
      socketConnections: () => proc.server.connectionCount,
      storage: () => proc.checkpointer.health(),
      jobs: () => proc.jobs.counts(),
      auditEvents: () => o.audit.counts,
      now: o.now,
    },
  });
}
