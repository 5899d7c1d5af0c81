/**
 * The HTTP front door's refusals, tried as an attacker would: a rebinding page's Host and
 * Origin (refused before any work, even before the token is looked at), no token, a
 * guessed one, a revoked one, a token without the scope, a body over the limit, a token
 * over its rate limit (and only that token), and a config that would bind beyond
 * loopback without TLS — at start and at a reload.
 */
import { writeFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { auditRecords } from '../helpers/audit.js';
import { cleanupAll, startDaemon, tempDir } from '../helpers/daemon.js';
import { call, rawRequest, startHttpDaemon } from '../helpers/http.js';

afterEach(cleanupAll);

/** How many refusals records stand for (an aggregated record carries its count). */
const refusals = (records: Record<string, unknown>[]) =>
  records.reduce((n, r) => n + ((r.count as number | undefined) ?? 1), 0);

describe('HTTP front door refusals', () => {
  it('refuses a foreign Host or Origin with 403 before any work, audited', async () => {
    const d = await startHttpDaemon();
    const store = JSON.stringify({ key: 'planted', content: 'x', namespace: 'team' });
    const attempts: Record<string, string>[] = [
      { host: 'evil.example', authorization: `Bearer ${d.owner}` },
      { host: `evil.example:${d.port}` },
      {
        host: `127.0.0.1:${d.port}`,
        origin: 'http://evil.example',
        authorization: `Bearer ${d.owner}`,
      },
      { host: `localhost:${d.port}`, origin: 'null' },
    ];
    for (const headers of attempts) {
      const r = await rawRequest(d, {
        method: 'POST',
        path: '/api/v1/memory',
        headers: { ...headers, 'content-type': 'application/json' },
        body: store,
      });
      // 403 even without a token: nothing, not even authentication, ran first.
      expect(r.status, JSON.stringify(headers)).toBe(403);
      const body = JSON.parse(r.body);
      expect(body.error.data.code).toBe('FORBIDDEN');
      expect(body.error.data.reason).toBe(headers.origin ? 'origin' : 'host');
    }
    const c = await d.client();
    const counts = (await c.call('system.status', {})).requests.byMethod;
    expect(counts['memory.store']).toBeUndefined(); // never dispatched
    await expect(c.call('memory.get', { key: 'planted', namespace: 'team' })).rejects.toThrow(
      /planted/,
    );
    const refused = auditRecords(d).filter((r) => r.event === 'http.refused');
    expect(refused.map((r) => r.kind).sort()).toEqual(['host', 'host', 'origin', 'origin']);
    expect(JSON.stringify(refused)).not.toContain(d.owner);

    // The loopback names on the bound port, with or without an Origin of their own, pass.
    const ok = await rawRequest(d, {
      path: '/api/v1/ping',
      headers: {
        host: `localhost:${d.port}`,
        origin: `http://localhost:${d.port}`,
        authorization: `Bearer ${d.owner}`,
      },
    });
    expect(ok.status).toBe(200);
    expect(ok.headers['access-control-allow-origin']).toBeUndefined(); // no CORS unless configured
    expect(ok.headers['x-content-type-options']).toBe('nosniff');
    expect(ok.headers['content-security-policy']).toContain("default-src 'none'");
  });

  it('answers 401 naming the fix for no token, a guessed token and a revoked one; 403 for a missing scope', async () => {
    const d = await startHttpDaemon();
    const none = await call(d, 'GET', '/api/v1/memory');
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toContain('Bearer');
    expect(none.body.error.data.code).toBe('UNAUTHENTICATED');
    expect(none.body.error.message).toContain('aistack token create');
    const guessed = await call(d, 'GET', '/api/v1/memory', { token: 'ast_guessed' });
    expect(guessed.status).toBe(401);
    expect(guessed.body.error.message).toContain('aistack token create');
    const notBearer = await call(d, 'GET', '/api/v1/memory', {
      headers: { authorization: `Basic ${d.owner}` },
    });
    expect(notBearer.status).toBe(401);

    const c = await d.client();
    const { token } = await c.call('token.create', { name: 'reader', scopes: ['memory:read'] });
    expect((await call(d, 'GET', '/api/v1/memory', { token })).status).toBe(200);
    const write = await call(d, 'POST', '/api/v1/sessions', { token, body: {} });
    expect(write.status).toBe(403);
    expect(write.body.error.data.code).toBe('FORBIDDEN');
    expect(write.body.error.message).toContain('sessions scope');
    const metrics = await call(d, 'GET', '/metrics', { token });
    expect(metrics.status).toBe(403);
    expect(metrics.body.error.message).toContain('metrics:read');
    await c.call('token.revoke', { name: 'reader' });
    const revoked = await call(d, 'GET', '/api/v1/memory', { token });
    expect(revoked.status).toBe(401);

    await d.stop(); // writes what the audit log was still counting
    const audit = auditRecords(d);
    const authFailures = audit.filter(
      (r) => r.event === 'http.refused' && r.kind === 'authentication',
    );
    expect(refusals(authFailures)).toBe(4);
    expect(JSON.stringify(audit)).not.toContain(token);
    expect(audit.some((r) => r.event === 'request.refused' && r.code === 'FORBIDDEN')).toBe(true);
  });

  it('aggregates a flood of failed authentications in the audit log and counts every one', async () => {
    const d = await startHttpDaemon();
    await Promise.all(
      Array.from({ length: 40 }, () => call(d, 'GET', '/api/v1/memory', { token: 'ast_wrong' })),
    );
    await d.stop(); // closes the windows: the summary says how many were left out
    // The 10 recorded are identical, so the audit log counts them into fewer records.
    const individual = auditRecords(d).filter((r) => r.event === 'http.refused');
    expect(refusals(individual)).toBe(10);
    expect(individual.length).toBeLessThan(10);
    const summary = auditRecords(d).find((r) => r.event === 'http.refused_summary');
    expect(summary).toMatchObject({ kind: 'authentication', recorded: 10, notRecorded: 30 });
  });

  it('refuses a body over http.bodyLimitBytes with 413', async () => {
    const d = await startHttpDaemon({ bodyLimitBytes: 4096 });
    const big = await call(d, 'POST', '/api/v1/rpc', {
      token: d.owner,
      body: { jsonrpc: '2.0', id: 1, method: 'system.ping', params: { pad: 'x'.repeat(8192) } },
    });
    expect(big.status).toBe(413);
    expect(big.body.error.data.code).toBe('PAYLOAD_TOO_LARGE');
    // Unauthenticated, the body is never read: 401 comes first.
    const anon = await call(d, 'POST', '/api/v1/rpc', { body: 'x'.repeat(8192) });
    expect(anon.status).toBe(401);
  });

  it('limits requests per token with 429 and Retry-After, leaving other tokens alone', async () => {
    const d = await startHttpDaemon({ rateLimit: { max: 3, windowMs: 60_000 } });
    const c = await d.client();
    const { token } = await c.call('token.create', { name: 'busy', scopes: ['system:read'] });
    const answers = [];
    for (let i = 0; i < 5; i++) answers.push(await call(d, 'GET', '/api/v1/ping', { token }));
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 429, 429]);
    const limited = answers[3]!;
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(limited.body.error.data.code).toBe('RATE_LIMITED');
    expect(limited.body.error.data.retryAfterSeconds).toBeGreaterThan(0);
    expect((await call(d, 'GET', '/api/v1/ping', { token: d.owner })).status).toBe(200);
    expect(
      auditRecords(d).some((r) => r.event === 'http.refused' && r.kind === 'rate_limited'),
    ).toBe(true);
  });

  it('refuses to bind beyond loopback without TLS, at start and at a reload', async () => {
    await expect(
      startDaemon({ config: { http: { enabled: true, host: '0.0.0.0', port: 0 } } }),
    ).rejects.toThrow(/http\.host.*tls\.certFile/s);
    const dir = tempDir();
    const d = await startHttpDaemon({}, { dir });
    const c = await d.client();
    writeFileSync(
      `${dir}/aistack.config.json`,
      JSON.stringify({ http: { enabled: true, host: '0.0.0.0', port: 0 } }),
    );
    await expect(c.call('config.reload', {})).rejects.toThrow(/tls\.certFile/);
    expect((await call(d, 'GET', '/api/v1/ping', { token: d.owner })).status).toBe(200);
    expect((await c.call('http.status', {})).host).toBe('127.0.0.1');
  });
});
