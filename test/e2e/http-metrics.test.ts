/**
 * What the HTTP front door describes: /metrics parsed by a Prometheus text parser (not
 * prom-client's own) with counters that move when requests are made, the OpenAPI 3.1
 * document validated and covering every route, `http.status`, and the listener gone
 * when the daemon stops.
 */
import { validate } from '@readme/openapi-parser';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { afterEach, describe, expect, it } from 'vitest';
import { routeGroups } from '../../src/protocol/openapi.js';
import { methodTable } from '../../src/protocol/table.js';
import { cleanupAll } from '../helpers/daemon.js';
import { call, startHttpDaemon, type HttpDaemon } from '../helpers/http.js';

afterEach(cleanupAll);

async function scrape(d: HttpDaemon, token = d.owner) {
  const r = await call(d, 'GET', '/metrics', { token });
  expect(r.status).toBe(200);
  expect(r.headers.get('content-type')).toContain('text/plain');
  const families = parsePrometheusTextFormat(r.text);
  const value = (name: string, labels: Record<string, string> = {}) => {
    const family = families.find((f) => f.name === name);
    const sample = family?.metrics.find((m) =>
      Object.entries(labels).every(([k, v]) => m.labels?.[k] === v),
    );
    return Number(sample?.value ?? sample?.count ?? 0);
  };
  return { families, value, text: r.text };
}

describe('HTTP metrics, OpenAPI and status', () => {
  it('serves /metrics to a metrics:read token, with counters that move', async () => {
    const d = await startHttpDaemon();
    const c = await d.client();
    const { token } = await c.call('token.create', { name: 'prom', scopes: ['metrics:read'] });
    const before = await scrape(d, token);
    for (const name of [
      'aistack_requests_total',
      'aistack_request_errors_total',
      'aistack_request_duration_seconds',
      'aistack_refusals_total',
      'aistack_sessions_active',
      'aistack_connections',
      'aistack_database_bytes',
      'aistack_checkpoint_age_seconds',
      'aistack_job_runs_total',
      'aistack_plugin_events_total',
    ]) {
      expect(before.families.map((f) => f.name)).toContain(name);
    }
    await call(d, 'GET', '/api/v1/memory', { token: d.owner });
    await call(d, 'GET', '/api/v1/memory', { token: d.owner });
    await call(d, 'GET', '/api/v1/memory', { token: 'ast_wrong' });
    await call(d, 'POST', '/api/v1/memory', { token: d.owner, body: { key: 'k', content: 'c' } });
    await call(d, 'POST', '/api/v1/sessions', { token: d.owner, body: {} });
    await c.call('jobs.run', { name: 'sessions.cleanup' });
    const after = await scrape(d, token);
    const list = { method: 'memory.list' };
    expect(after.value('aistack_requests_total', list)).toBe(
      before.value('aistack_requests_total', list) + 2,
    );
    // This parser folds a labelled histogram into one sample, so the per-method count is
    // read from its line (the parse above has checked the whole text's syntax).
    const histogramCount = (text: string) =>
      Number(
        /aistack_request_duration_seconds_count\{method="memory.list"\} (\d+)/.exec(text)?.[1] ?? 0,
      );
    expect(after.families.find((f) => f.name === 'aistack_request_duration_seconds')?.type).toBe(
      'HISTOGRAM',
    );
    expect(histogramCount(after.text)).toBe(histogramCount(before.text) + 2);
    expect(
      after.value('aistack_request_errors_total', {
        method: 'memory.store',
        code: 'SESSION_REQUIRED',
      }),
    ).toBe(1);
    const auth = { kind: 'authentication' };
    expect(after.value('aistack_refusals_total', auth)).toBe(
      before.value('aistack_refusals_total', auth) + 1,
    );
    expect(after.value('aistack_sessions_active')).toBe(
      before.value('aistack_sessions_active') + 1,
    );
    expect(after.value('aistack_job_runs_total', { job: 'sessions.cleanup', outcome: 'ok' })).toBe(
      1,
    );
    expect(after.value('aistack_connections', { transport: 'socket' })).toBeGreaterThanOrEqual(1);
    expect(after.value('aistack_database_bytes', { file: 'db' })).toBeGreaterThan(0);
    // Counts and sizes only: no entry content, no token.
    const text = (await call(d, 'GET', '/metrics', { token })).text;
    expect(text).not.toContain(token);
    expect(text).not.toContain(d.owner);
  });

  it('publishes a valid OpenAPI 3.1 document with every route of the method table', async () => {
    const d = await startHttpDaemon();
    const r = await call(d, 'GET', '/api/v1/openapi.json', { token: d.owner });
    expect(r.status).toBe(200);
    const doc = r.body;
    expect(doc.openapi).toBe('3.1.0');
    const result = await validate(structuredClone(doc));
    expect(result.valid, JSON.stringify(result)).toBe(true);
    for (const { route, specs } of routeGroups(methodTable)) {
      const path = `/api/v1${route.path.replace(/:([A-Za-z]+)/g, '{$1}')}`;
      const op = doc.paths[path]?.[route.method.toLowerCase()];
      expect(op, `${route.method} ${path}`).toBeDefined();
      expect(op.operationId).toBe(specs[0]!.name);
    }
    for (const path of [
      '/api/v1/memory',
      '/api/v1/memory/{key}',
      '/api/v1/sessions',
      '/api/v1/agents',
      '/api/v1/tasks',
      '/api/v1/rpc',
      '/metrics',
    ]) {
      expect(Object.keys(doc.paths)).toContain(path);
    }
    const list = doc.paths['/api/v1/memory'].get;
    expect(list.parameters.map((p: { name: string }) => p.name)).toEqual(
      expect.arrayContaining(['q', 'limit', 'namespace', 'X-Aistack-Session']),
    );
    expect(
      doc.paths['/api/v1/memory'].post.requestBody.content['application/json'].schema.properties
        .key,
    ).toBeDefined();
  });

  it('reports where it listens, and stops listening with the daemon', async () => {
    const d = await startHttpDaemon();
    const c = await d.client();
    const status = await c.call('http.status', {});
    expect(status).toMatchObject({
      enabled: true,
      listening: true,
      host: '127.0.0.1',
      port: d.port,
      tls: false,
      mcpUrl: `http://127.0.0.1:${d.port}/mcp`,
      cors: false,
    });
    expect(status.allowedHosts).toContain(`localhost:${d.port}`);
    expect(d.logs()).toContain('aistackd HTTP listening');
    expect(d.logs()).not.toContain(d.owner);
    await d.stop();
    await expect(fetch(`${d.base}/api/v1/ping`)).rejects.toThrow();
  });

  it('is off by default', async () => {
    const { startDaemon } = await import('../helpers/daemon.js');
    const d = await startDaemon();
    const c = await d.client();
    expect(await c.call('http.status', {})).toMatchObject({
      enabled: false,
      listening: false,
      url: null,
    });
  });
});
