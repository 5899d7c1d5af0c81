/**
 * A real daemon with its HTTP front door on a free port (`http.port: 0`; the bound port
 * is read from `http.status`), and curl-shaped requests to it: method, path, bearer
 * token, optional session header and JSON body, answered with status, headers and the
 * parsed body. `rawRequest` goes through node:http for what fetch will not send (a
 * forged Host header).
 */
import { request as httpRequest } from 'node:http';
import { ownerToken, startDaemon, type StartOptions, type TestDaemon } from './daemon.js';

export interface HttpDaemon extends TestDaemon {
  base: string;
  port: number;
  owner: string;
}

export async function startHttpDaemon(
  http: Record<string, unknown> = {},
  options: StartOptions = {},
): Promise<HttpDaemon> {
  const extra = (options.config ?? {}) as Record<string, unknown>;
  const d = await startDaemon({
    ...options,
    config: { ...extra, http: { enabled: true, port: 0, ...http } },
  });
  const c = await d.client();
  const status = await c.call('http.status', {});
  if (!status.url || !status.port) throw new Error('the HTTP front door is not listening');
  return Object.assign(d, { base: status.url, port: status.port, owner: ownerToken(d) });
}

export interface HttpAnswer {
  status: number;
  headers: Headers;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
  text: string;
}

export async function call(
  d: { base: string },
  method: string,
  path: string,
  o: {
    token?: string | null;
    session?: { id: string; token: string };
    body?: unknown;
    headers?: Record<string, string>;
  } = {},
): Promise<HttpAnswer> {
  const headers: Record<string, string> = { ...o.headers };
  if (o.token) headers.authorization = `Bearer ${o.token}`;
  if (o.session) headers['x-aistack-session'] = `${o.session.id}:${o.session.token}`;
  let body: string | undefined;
  if (o.body !== undefined) {
    body = typeof o.body === 'string' ? o.body : JSON.stringify(o.body);
    headers['content-type'] = 'application/json';
  }
  const res = await fetch(d.base + path, { method, headers, body });
  const text = await res.text();
  let parsed: unknown;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = undefined;
  }
  return { status: res.status, headers: res.headers, body: parsed, text };
}

/** A request through node:http, which sends the Host header it is given. */
export function rawRequest(
  d: { port: number },
  o: { method?: string; path: string; headers: Record<string, string>; body?: string },
): Promise<{ status: number; body: string; headers: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: '127.0.0.1',
        port: d.port,
        method: o.method ?? 'GET',
        path: o.path,
        headers: o.headers,
        timeout: 20_000,
      },
      (res) => {
        let data = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (data += c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, body: data, headers: res.headers }),
        );
      },
    );
    req.on('timeout', () => req.destroy(new Error('request timed out')));
    req.on('error', reject);
    req.end(o.body);
  });
}
