/**
 * MCP over Streamable HTTP at /mcp, through a real daemon and the official SDK's
 * `StreamableHTTPClientTransport`: a client initializes with a bearer token, lists the
 * same tools as the stdio shim, stores and searches; two MCP sessions are two aistack
 * sessions, isolated from each other; the session token never crosses HTTP or reaches
 * the log; DELETE /mcp ends the aistack session; a session belongs to the token that
 * opened it; the per-token cap holds; wrong token → 401 and wrong Host/Origin → 403
 * before any work.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { dataOf, textOf } from '../helpers/mcp.js';
import { cleanupAll } from '../helpers/daemon.js';
import { rawRequest, startHttpDaemon, type HttpDaemon } from '../helpers/http.js';
import { connectHttpMcp, TOKEN_SHAPE } from '../helpers/mcp-http.js';

afterEach(cleanupAll);

const INIT = {
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: {
    protocolVersion: '2025-06-18',
    capabilities: {},
    clientInfo: { name: 'raw', version: '1' },
  },
};

const MCP_HEADERS = {
  'content-type': 'application/json',
  accept: 'application/json, text/event-stream',
};

async function sessions(d: HttpDaemon, includeEnded = false) {
  const c = await d.client();
  return (await c.call('session.list', { includeEnded })).sessions;
}

async function scopedToken(d: HttpDaemon, name: string, scopes: string[]) {
  const c = await d.client();
  return (await c.call('token.create', { name, scopes } as never)).token as string;
}

describe('MCP over Streamable HTTP', () => {
  it('initializes with a bearer token, lists the tools, stores and searches', async () => {
    const d = await startHttpDaemon();
    const m = await connectHttpMcp(d.base, { token: d.owner, name: 'claude-code' });
    const { tools } = await m.client.listTools();
    const names = tools.map((t) => t.name);
    for (const t of ['memory_store', 'memory_search', 'memory_get', 'session_status'])
      expect(names).toContain(t);
    // GitHub is off and no provider is configured: those tools are not offered.
    expect(names.some((n) => n.startsWith('github_') || n.startsWith('task_'))).toBe(false);
    for (const t of tools) expect(JSON.stringify(t.inputSchema)).not.toMatch(/sessionToken/);

    const stored = await m.call('memory_store', {
      key: 'wal',
      content: 'WAL mode lets readers run beside one writer',
      namespace: 'notes',
    });
    expect(stored.isError).toBeFalsy();
    expect(dataOf(stored).entry.namespace).toBe('notes');
    const found = await m.call('memory_search', { query: 'readers writer' });
    expect(textOf(found)).toContain('"wal" in notes');

    // One aistack session, named after the MCP client; its token is nowhere to be seen.
    const status = dataOf(await m.call('session_status'));
    const open = await sessions(d);
    const mine = open.find((s) => s.id === status.session.id)!;
    expect(mine.metadata).toMatchObject({ client: 'claude-code', via: 'http /mcp' });
    await m.call('memory_store', { key: 'private', content: 'only mine' });
    expect(m.received()).toContain(status.session.id);
    expect(m.received()).not.toMatch(TOKEN_SHAPE);
    expect(d.logs()).not.toMatch(TOKEN_SHAPE);
  });
});
