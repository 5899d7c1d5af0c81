/**
 * The dashboard's front door over plain HTTP: the one-time sign-in link from
 * `aistack dashboard --print-url`, the session cookie it sets, the CSRF token every POST
 * needs, refusals (401/403) and their audit records, the pages an expired, used or
 * unknown link leads to, and the Content-Security-Policy of what it serves.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { auditRecords } from '../helpers/audit.js';
import { cleanupAll, runCli, startDaemon } from '../helpers/daemon.js';
import { call, startHttpDaemon, type HttpDaemon } from '../helpers/http.js';
import { waitFor } from '../helpers/wait.js';

afterEach(cleanupAll);

const cli = (d: { socketPath: string; dataDir: string }, ...args: string[]) =>
  runCli(['--socket', d.socketPath, '--data-dir', d.dataDir, '--no-autostart', ...args]);

async function link(d: HttpDaemon): Promise<string> {
  const r = await cli(d, 'dashboard', '--print-url');
  expect(r.code, r.stderr).toBe(0);
  return r.stdout.trim();
}

/** Opens a link as a browser would (no redirects followed); the cookie it set, if any. */
async function open(url: string) {
  const res = await fetch(url, { redirect: 'manual' });
  const setCookie = res.headers.get('set-cookie');
  return {
    status: res.status,
    text: await res.text(),
    headers: res.headers,
    setCookie,
    cookie: setCookie?.split(';')[0],
  };
}

async function signIn(d: HttpDaemon) {
  const r = await open(await link(d));
  expect(r.status).toBe(200);
  const cookie = r.cookie!;
  const session = await call(d, 'GET', '/dashboard/api/session', { headers: { cookie } });
  expect(session.status).toBe(200);
  return { cookie, csrf: session.body.csrfToken as string };
}

const rpc = (method: string, params: unknown = {}) => ({
  jsonrpc: '2.0',
  id: 1,
  method,
  params,
});

describe('dashboard sign-in', () => {
  it('a link signs in once with an HttpOnly, SameSite=Strict cookie, then says how to get a new one', async () => {
    const d = await startHttpDaemon();
    const url = await link(d);
    expect(url).toMatch(
      new RegExp(`^http://127\\.0\\.0\\.1:${d.port}/dashboard/login\\?t=[\\w-]{40,}$`),
    );
    const first = await open(url);
    expect(first.status).toBe(200);
    expect(first.setCookie).toMatch(
      /^aistack_dashboard=[\w-]{40,}; HttpOnly; SameSite=Strict; Path=\//,
    );
    expect(first.text).toContain('http-equiv="refresh" content="0;url=/dashboard/"');

    const again = await open(url);
    expect(again.status).toBe(410);
    expect(again.setCookie).toBeNull();
    expect(again.text).toContain('already used');
    expect(again.text).toContain('aistack dashboard');

    const forged = await open(url.replace(/t=.*/, 't=not-a-link'));
    expect(forged.status).toBe(404);
    expect(forged.text).toContain('aistack dashboard');
    expect(forged.setCookie).toBeNull();

    const refused = auditRecords(d).filter(
      (r) => r.event === 'http.refused' && r.kind === 'dashboard',
    );
    expect(refused.map((r) => r.reason)).toEqual(['login link used', 'login link unknown']);
    // The link's secret is never written to the audit log or the daemon log.
    const secret = url.split('t=')[1]!;
    expect(JSON.stringify(auditRecords(d))).not.toContain(secret);
    expect(d.logs()).not.toContain(secret);
  });

  it('an expired link shows its page and signs nobody in', async () => {
    const d = await startHttpDaemon();
    const c = await d.client();
    const { url, expiresAt } = await c.call('dashboard.link', { ttlSeconds: 1 });
    await waitFor(() => Date.now() > Date.parse(expiresAt) + 50, 'the link to expire', {
      timeoutMs: 10_000,
      intervalMs: 50,
    });
    const r = await open(url);
    expect(r.status).toBe(410);
    expect(r.text).toContain('expired');
    expect(r.text).toContain('aistack dashboard');
    expect(r.setCookie).toBeNull();
  });

  it('with HTTP off, `aistack dashboard` says how to turn it on', async () => {
    const d = await startDaemon();
    const r = await cli(d, 'dashboard', '--print-url');
    expect(r.code).not.toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('"http": {"enabled": true}');
  });
});

describe('dashboard requests', () => {
  it('the cookie and the CSRF token are both needed, each refusal audited', async () => {
    const d = await startHttpDaemon();
    const { cookie, csrf } = await signIn(d);
    const ok = await call(d, 'POST', '/dashboard/api/rpc', {
      headers: { cookie, 'x-csrf-token': csrf },
      body: rpc('session.list'),
    });
    expect(ok.status).toBe(200);
    // The signed-in owner holds admin rights.
    expect(ok.body.result.total).toBe(0);

    const noCookie = await call(d, 'POST', '/dashboard/api/rpc', {
      headers: { 'x-csrf-token': csrf },
      body: rpc('session.list'),
    });
    expect(noCookie.status).toBe(401);
    expect(noCookie.body.error.data.reason).toBe('dashboard_session');
    const wrongCookie = await call(d, 'GET', '/dashboard/api/series', {
      headers: { cookie: 'aistack_dashboard=forged' },
    });
    expect(wrongCookie.status).toBe(401);
    const noCsrf = await call(d, 'POST', '/dashboard/api/rpc', {
      headers: { cookie },
      body: rpc('session.list'),
    });
    expect(noCsrf.status).toBe(403);
    expect(noCsrf.body.error.data.reason).toBe('csrf');
    const wrongCsrf = await call(d, 'POST', '/dashboard/api/rpc', {
      headers: { cookie, 'x-csrf-token': `${csrf.slice(0, -1)}x` },
      body: rpc('system.shutdown'),
    });
    expect(wrongCsrf.status).toBe(403);
    // The refused shutdown never ran.
    expect((await (await d.client()).call('system.ping', {})).pong).toBe(true);

    // A bearer token is no way into the dashboard, and the cookie is no way into the API.
    const bearer = await call(d, 'GET', '/dashboard/api/series', { token: d.owner });
    expect(bearer.status).toBe(401);
    const api = await call(d, 'GET', '/api/v1/status', { headers: { cookie } });
    expect(api.status).toBe(401);

    const reasons = auditRecords(d)
      .filter((r) => r.event === 'http.refused' && r.kind === 'dashboard')
      .map((r) => r.reason);
    expect(reasons).toEqual([
      'no dashboard session cookie',
      'the dashboard session is not valid (ended, expired or unknown)',
      'no CSRF token',
      'wrong CSRF token',
      'no dashboard session cookie',
    ]);
  });

  it('signing out ends the session for good', async () => {
    const d = await startHttpDaemon();
    const { cookie, csrf } = await signIn(d);
    const out = await call(d, 'POST', '/dashboard/api/logout', {
      headers: { cookie, 'x-csrf-token': csrf },
      body: {},
    });
    expect(out.status).toBe(200);
    expect(out.headers.get('set-cookie')).toMatch(/^aistack_dashboard=; .*Max-Age=0/);
    const after = await call(d, 'GET', '/dashboard/api/session', { headers: { cookie } });
    expect(after.status).toBe(401);
  });

  it('serves the app under a strict CSP, only to a signed-in browser; its assets hold no data', async () => {
    const d = await startHttpDaemon();
    const anonymous = await call(d, 'GET', '/dashboard/');
    expect(anonymous.status).toBe(401);
    expect(anonymous.text).toContain('Not signed in');
    expect(anonymous.text).toContain('aistack dashboard');

    const { cookie } = await signIn(d);
    const app = await call(d, 'GET', '/dashboard/', { headers: { cookie } });
    expect(app.status).toBe(200);
    const csp = app.headers.get('content-security-policy')!;
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe');
    expect(app.text).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    const scripts = [...app.text.matchAll(/src="([^"]+)"/g)].map((m) => m[1]!);
    expect(scripts.length).toBeGreaterThan(0);
    for (const src of scripts) {
      expect(src.startsWith('/dashboard/assets/')).toBe(true);
      const asset = await call(d, 'GET', src);
      expect(asset.status).toBe(200);
      expect(asset.headers.get('content-type')).toContain('javascript');
    }
    expect((await call(d, 'GET', '/dashboard/assets/..%2f..%2fdata%2fowner.token')).status).toBe(404);
    expect((await call(d, 'GET', '/dashboard/assets/nope.js')).status).toBe(404);
  });

  it('counts requests and errors per minute for the plots', async () => {
    const d = await startHttpDaemon();
    const { cookie, csrf } = await signIn(d);
    const c = await d.client();
    for (let i = 0; i < 5; i++) await c.call('system.ping', {});
    await c.call('memory.get', { key: 'missing', namespace: 'shared' }).catch(() => undefined);
    await call(d, 'GET', '/api/v1/status', { token: 'wrong' });
    const s = await call(d, 'GET', '/dashboard/api/series', {
      headers: { cookie, 'x-csrf-token': csrf },
    });
    expect(s.status).toBe(200);
    expect(s.body.minutes).toHaveLength(60);
    const sum = (k: string) =>
      (s.body.values[k] as (number | null)[]).reduce<number>((a, b) => a + (b ?? 0), 0);
    expect(sum('requests')).toBeGreaterThanOrEqual(6);
    expect(sum('errors')).toBeGreaterThanOrEqual(1);
    expect(sum('refused:authentication')).toBe(1);
  });
});
