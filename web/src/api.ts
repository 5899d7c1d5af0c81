/**
 * The page's only way to the daemon: same-origin requests that carry the HttpOnly
 * session cookie (the page never sees a token), and, on every POST, the CSRF token
 * from GET /dashboard/api/session. Methods are called as JSON-RPC through
 * /dashboard/api/rpc, with the daemon's own types for their answers.
 */
import type { MethodName, ParamsOf, ResultOf } from '../../src/protocol/table.js';

const BASE = '/dashboard/api';

/** A refusal or failure, with the daemon's message. */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly code?: string,
  ) {
    super(message);
  }
}

let csrf: Promise<string> | undefined;

async function json(res: Response): Promise<unknown> {
  const text = await res.text();
  const body = text ? (JSON.parse(text) as unknown) : undefined;
  if (!res.ok) {
    const err = (body as { error?: { message?: string; data?: { code?: string } } } | undefined)
      ?.error;
    throw new ApiError(err?.message ?? `HTTP ${res.status}`, res.status, err?.data?.code);
  }
  return body;
}

export async function get<T>(path: string): Promise<T> {
  const res = await fetch(BASE + path, { credentials: 'same-origin', cache: 'no-store' });
  return (await json(res)) as T;
}

function csrfToken(): Promise<string> {
  csrf ??= get<{ csrfToken: string }>('/session').then((s) => s.csrfToken);
  csrf.catch(() => (csrf = undefined));
  return csrf;
}

export async function post<T>(path: string, body: unknown): Promise<T> {
  const res = await fetch(BASE + path, {
    method: 'POST',
    credentials: 'same-origin',
    headers: { 'content-type': 'application/json', 'x-csrf-token': await csrfToken() },
    body: JSON.stringify(body),
  });
  return (await json(res)) as T;
}

interface RpcReply {
  id: number;
  result?: unknown;
  error?: { message: string; data?: { code?: string } };
}

let nextId = 1;

/** One method call; a JSON-RPC error becomes an ApiError with the daemon's message. */
export async function call<N extends MethodName>(
  method: N,
  params: ParamsOf<N>,
): Promise<ResultOf<N>> {
  const r = await post<RpcReply>('/rpc', { jsonrpc: '2.0', id: nextId++, method, params });
  if (r.error) throw new ApiError(r.error.message, 200, r.error.data?.code);
  return r.result as ResultOf<N>;
}

export interface Series {
  minutes: number[];
  values: Record<string, (number | null)[]>;
}

export const series = () => get<Series>('/series');

export const signOut = () => post<{ signedOut: boolean }>('/logout', {});
