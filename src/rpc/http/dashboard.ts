/**
 * The web dashboard's routes under /dashboard, signed in by cookie instead of a bearer
 * token (a browser must never hold one):
 *
 * - `GET /dashboard/login?t=…` spends a one-time link (`dashboard.link`) and sets the
 *   session cookie (HttpOnly, SameSite=Strict, Path=/, Secure under TLS); an expired,
 *   used or unknown link gets a page saying how to get a new one.
 * - `GET /dashboard/` (the app) and `/dashboard/api/*` need that cookie;
 *   `/dashboard/assets/*` (the built script and styles) do not: they hold no data.
 * - `GET /dashboard/api/session` hands the page its CSRF token; every POST must carry it
 *   in `X-CSRF-Token`. `POST /dashboard/api/rpc` runs JSON-RPC through the dispatcher as
 *   the owner (the signed-in user); `GET /dashboard/api/series` is the per-minute plots.
 *
 * A request without a live session (401) or with a wrong CSRF token (403) is refused
 * and audited through the front door's refusal audit (kind `dashboard`).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { httpErrorBody } from '../../protocol/http-status.js';
import { DASHBOARD_LOGIN_PATH, DASHBOARD_PATH } from '../../protocol/dashboard.js';
import type { DashboardLogins, DashboardSession } from '../../services/access/dashboard-logins.js';
import type { Dispatcher } from '../dispatch.js';
import { loadAssets } from './dashboard-assets.js';
import { DashboardSessions, ownerPrincipal } from './dashboard-session.js';
import { linkRefusedPage, notBuiltPage, notSignedInPage, signedInPage } from './dashboard-pages.js';
import { MinuteSeries } from './minute-series.js';
import type { RefusalAudit } from './refusal-audit.js';

export const DASHBOARD_COOKIE = 'aistack_dashboard';
export const CSRF_HEADER = 'x-csrf-token';

/** The app's own script and styles only; nothing inline, nothing from elsewhere. */
export const DASHBOARD_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

export interface DashboardDeps {
  dispatcher: Dispatcher;
  logins: DashboardLogins;
  refusals: RefusalAudit;
  nextConnectionId: () => number;
  tls: boolean;
  now: () => number;
  /** Counters that only grow, sampled into per-minute counts for the plots. */
  counters(): Record<string, number>;
  /** Where the built files are (tests point it elsewhere); default dist/web. */
  webRoot?: string;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The dashboard session of this request's cookie; set by the dashboard's hook. */
    dashboard?: DashboardSession;
  }
}

function cookieOf(req: FastifyRequest): string | undefined {
  const header = req.headers.cookie;
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === DASHBOARD_COOKIE) return part.slice(eq + 1).trim();
  }
  return undefined;
}

const PUBLIC = new Set([
  DASHBOARD_LOGIN_PATH,
  `${DASHBOARD_PATH}/pages.css`,
  `${DASHBOARD_PATH}/favicon.svg`,
]);
const isPublic = (path: string) => PUBLIC.has(path) || path.startsWith(`${DASHBOARD_PATH}/assets/`);

/** Whether a path is the dashboard's (its routes authenticate by cookie, not bearer token). */
export const isDashboardPath = (path: string) =>
  path === DASHBOARD_PATH || path.startsWith(`${DASHBOARD_PATH}/`);

export async function registerDashboard(app: FastifyInstance, deps: DashboardDeps): Promise<void> {
  const assets = loadAssets(deps.webRoot);
  const memorySessions = new DashboardSessions(deps);
  const series = new MinuteSeries({ read: deps.counters, now: deps.now });
  const sampler = setInterval(() => series.sample(), 10_000);
  sampler.unref();
  app.addHook('onClose', async () => {
    clearInterval(sampler);
    memorySessions.close();
  });

  const cookie = (value: string, maxAge: number) =>
    `${DASHBOARD_COOKIE}=${value}; HttpOnly; SameSite=Strict; Path=/; Max-Age=${maxAge}${deps.tls ? '; Secure' : ''}`;

  const html = (reply: FastifyReply, status: number, body: string) =>
    reply
      .code(status)
      .header('content-security-policy', DASHBOARD_CSP)
      .header('cache-control', 'no-store')
      .type('text/html; charset=utf-8')
      .send(body);

  const refuse = (req: FastifyRequest, reply: FastifyReply, status: 401 | 403, why: string) => {
    const path = req.url.split('?')[0]!;
    deps.refusals.record('dashboard', {
      path: path.slice(0, 200),
      remoteAddress: req.ip,
      reason: why,
    });
    if (!path.startsWith(`${DASHBOARD_PATH}/api/`)) return html(reply, status, notSignedInPage());
    return reply
      .code(status)
      .header('cache-control', 'no-store')
      .send(
        httpErrorBody(
          status === 401 ? 'UNAUTHENTICATED' : 'FORBIDDEN',
          status === 401
            ? `${why}: run \`aistack dashboard\` to sign in`
            : `${why}: send the token from GET ${DASHBOARD_PATH}/api/session in the X-CSRF-Token header`,
          { reason: status === 401 ? 'dashboard_session' : 'csrf' },
        ),
      );
  };

  await app.register(async (scope) => {
    scope.addHook('onRequest', async (req, reply) => {
      const path = req.url.split('?')[0]!;
      if (isPublic(path)) return;
      const value = cookieOf(req);
      const session = value === undefined ? undefined : deps.logins.session(value);
      if (!session) {
        return refuse(
          req,
          reply,
          401,
          value === undefined
            ? 'no dashboard session cookie'
            : 'the dashboard session is not valid (ended, expired or unknown)',
        );
      }
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        const presented = req.headers[CSRF_HEADER];
        if (
          !deps.logins.csrfMatches(session, typeof presented === 'string' ? presented : undefined)
        ) {
          return refuse(
            req,
            reply,
            403,
            presented === undefined ? 'no CSRF token' : 'wrong CSRF token',
          );
        }
      }
      req.dashboard = session;
      req.principal = ownerPrincipal(session);
    });

    scope.get(DASHBOARD_LOGIN_PATH, async (req, reply) => {
      const t = (req.query as Record<string, unknown>).t;
      if (typeof t !== 'string' || t.length === 0 || t.length > 200) {
        return html(reply, 400, linkRefusedPage('missing'));
      }
      const r = deps.logins.redeem(t);
      if (!r.ok) {
        deps.refusals.record('dashboard', {
          path: DASHBOARD_LOGIN_PATH,
          remoteAddress: req.ip,
          reason: `login link ${r.reason}`,
        });
        return html(reply, r.reason === 'unknown' ? 404 : 410, linkRefusedPage(r.reason));
      }
      reply.header('set-cookie', cookie(r.cookie, 12 * 60 * 60));
      return html(reply, 200, signedInPage(`${DASHBOARD_PATH}/`));
    });

    const app = (_req: FastifyRequest, reply: FastifyReply) => {
      const index = assets.get('index.html');
      if (!index) return html(reply, 503, notBuiltPage());
      return html(reply, 200, index.body.toString('utf8'));
    };
    scope.get(DASHBOARD_PATH, (_req, reply) => reply.redirect(`${DASHBOARD_PATH}/`, 302));
    scope.get(`${DASHBOARD_PATH}/`, app);

    const file = (rel: string, reply: FastifyReply) => {
      const asset = assets.get(rel);
      if (!asset || rel === 'index.html') {
        return reply
          .code(404)
          .send(httpErrorBody('NOT_FOUND', `no dashboard file ${rel.slice(0, 200)}`));
      }
      return reply
        .header('content-security-policy', DASHBOARD_CSP)
        .header(
          'cache-control',
          asset.immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
        )
        .type(asset.type)
        .send(asset.body);
    };
    scope.get(`${DASHBOARD_PATH}/assets/*`, (req, reply) =>
      file(`assets/${(req.params as { '*': string })['*']}`, reply),
    );
    scope.get(`${DASHBOARD_PATH}/pages.css`, (_req, reply) => file('pages.css', reply));
    scope.get(`${DASHBOARD_PATH}/favicon.svg`, (_req, reply) => file('favicon.svg', reply));

    scope.get(`${DASHBOARD_PATH}/api/session`, async (req, reply) => {
      const s = req.dashboard!;
      return reply.header('cache-control', 'no-store').send({
        csrfToken: s.csrfToken,
        signedInAt: new Date(s.createdAt).toISOString(),
      });
    });

    scope.post(`${DASHBOARD_PATH}/api/logout`, async (req, reply) => {
      deps.logins.end(cookieOf(req)!);
      return reply.header('set-cookie', cookie('', 0)).send({ signedOut: true });
    });

    scope.get(`${DASHBOARD_PATH}/api/series`, async (_req, reply) =>
      reply.header('cache-control', 'no-store').send(series.series()),
    );

    scope.post(`${DASHBOARD_PATH}/api/rpc`, async (req, reply) => {
      const connection = deps.dispatcher.connect({
        id: deps.nextConnectionId(),
        transport: 'http',
        notify: () => false,
      });
      connection.principal = req.principal ?? undefined;
      reply.raw.once('close', () => {
        if (!reply.raw.writableFinished) deps.dispatcher.disconnect(connection);
      });
      try {
        const replies = await memorySessions.run(req.dashboard!, req.body, (body) =>
          deps.dispatcher.handleParsed(body, connection),
        );
        if (replies === null) return reply.code(204).send();
        return reply.header('cache-control', 'no-store').send(replies);
      } finally {
        deps.dispatcher.disconnect(connection);
      }
    });
  });
}
