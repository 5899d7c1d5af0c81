/**
 * MCP clients over Streamable HTTP for tests: the official SDK's `Client` on its
 * `StreamableHTTPClientTransport`, pointed at a real daemon's `/mcp` with a bearer token.
 * Every byte of every answer to a POST is recorded, so a test can scan what crossed
 * HTTP (the session token must never be in it).
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { pathToFileURL } from 'node:url';
import { ListRootsRequestSchema, type CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { registerCleanup } from './daemon.js';
import type { HttpDaemon } from './http.js';

export interface HttpMcp {
  client: Client;
  transport: StreamableHTTPClientTransport;
  /** Calls a tool; a tool error comes back as a result with `isError`. */
  call(name: string, args?: Record<string, unknown>): Promise<CallToolResult>;
  /** Everything the server answered to POSTs so far. */
  received(): string;
  /** Ends the MCP session (DELETE /mcp) and closes the client. */
  close(): Promise<void>;
}

export interface HttpMcpOptions {
  token: string;
  name?: string;
  /** Another fetch (a TLS agent's); default: the global one. */
  fetch?: typeof fetch;
  /**
   * Declare the `roots` capability and answer `roots/list` with these folders, or with
   * 'never' hold every `roots/list` unanswered (a client that never replies).
   */
  roots?: string[] | 'never';
  /** After /mcp on every request (e.g. `?project=alpha`). */
  query?: string;
  /** More headers on every request. */
  headers?: Record<string, string>;
}

export async function connectHttpMcp(base: string, o: HttpMcpOptions): Promise<HttpMcp> {
  let received = '';
  const inner = o.fetch ?? fetch;
  const recording: typeof fetch = async (input, init) => {
    const res = await inner(input, init);
    if (init?.method === 'POST') {
      // Read a copy to the end without holding up the SDK, which reads the original.
      void res
        .clone()
        .text()
        .then((t) => (received += t))
        .catch(() => undefined);
    }
    return res;
  };
  const transport = new StreamableHTTPClientTransport(new URL(`${base}/mcp${o.query ?? ''}`), {
    requestInit: { headers: { ...o.headers, authorization: `Bearer ${o.token}` } },
    fetch: recording,
  });
  const client = new Client(
    { name: o.name ?? 'http-test-client', version: '1.0.0' },
    o.roots ? { capabilities: { roots: {} } } : {},
  );
  if (o.roots === 'never') {
    client.setRequestHandler(ListRootsRequestSchema, () => new Promise<never>(() => undefined));
  } else if (o.roots) {
    const roots = o.roots.map((folder) => ({ uri: pathToFileURL(folder).href }));
    client.setRequestHandler(ListRootsRequestSchema, () => ({ roots }));
  }
  await client.connect(transport);
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    await transport.terminateSession().catch(() => undefined);
    await client.close();
  };
  registerCleanup(close);
  return {
    client,
    transport,
    call: (name, args = {}) =>
      client.callTool({ name, arguments: args }) as Promise<CallToolResult>,
    received: () => received,
    close,
  };
}

/** A session token's shape (`ast_` + 43 base64url characters). */
export const TOKEN_SHAPE = /ast_[A-Za-z0-9_-]{43}/;

/** A raw initialize request, for requests made without the SDK. */
export const INIT = {
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: {
    protocolVersion: '2025-06-18',
    capabilities: {},
    clientInfo: { name: 'raw', version: '1' },
  },
};

/** The headers a Streamable HTTP POST carries. */
export const MCP_HEADERS = {
  'content-type': 'application/json',
  accept: 'application/json, text/event-stream',
};

/** The daemon's aistack sessions, as the owner sees them. */
export async function sessions(d: HttpDaemon, includeEnded = false) {
  const c = await d.client();
  return (await c.call('session.list', { includeEnded })).sessions;
}

/** A new scoped token. */
export async function scopedToken(d: HttpDaemon, name: string, scopes: string[]) {
  const c = await d.client();
  return (await c.call('token.create', { name, scopes } as never)).token as string;
}
