/**
 * MCP over Streamable HTTP at /mcp, through a real daemon and the official SDK's
 * `StreamableHTTPClientTransport`: a client initializes with a bearer token, lists the
 * same tools as the stdio shim, stores and searches; two MCP sessions are two aistack
 * sessions, isolated from each other; the session token never crosses HTTP or reaches
 * the log; DELETE /mcp ends the aistack session; a session belongs to the token that
 * opened it; the per-token cap holds; wrong token → 401 and wrong Host/Origin → 403
 * before any work.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ToolListChangedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { afterEach, describe, expect, it } from 'vitest';
import { dataOf, textOf } from '../helpers/mcp.js';
import { cleanupAll, tempDir } from '../helpers/daemon.js';
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

    // One aistack session, named after the MCP client; its token is nowhere to be seen
    // (the shape the scan looks for is a real session token's).
    const c = await d.client();
    expect((await c.call('session.start', {})).session.token).toMatch(TOKEN_SHAPE);
    const status = dataOf(await m.call('session_status'));
    const open = await sessions(d);
    const mine = open.find((s) => s.id === status.session.id)!;
    expect(mine.metadata).toMatchObject({ client: 'claude-code', via: 'http /mcp' });
    await m.call('memory_store', { key: 'private', content: 'only mine' });
    expect(m.received()).toContain(status.session.id);
    expect(m.received()).not.toMatch(TOKEN_SHAPE);
    expect(d.logs()).not.toMatch(TOKEN_SHAPE);
  });

  it('keeps two MCP sessions apart: B reads nothing of A’s private entries, not in search either', async () => {
    const d = await startHttpDaemon();
    const a = await connectHttpMcp(d.base, { token: d.owner, name: 'a' });
    const b = await connectHttpMcp(d.base, { token: d.owner, name: 'b' });
    const stored = await a.call('memory_store', {
      key: 'plan',
      content: 'zanzibar launch codes live here',
    });
    const aNs = dataOf(stored).entry.namespace as string;
    expect(aNs).toMatch(/^session:/);
    const bNs = dataOf(await b.call('session_status')).session.namespace as string;
    expect(bNs).not.toBe(aNs);

    const own = await a.call('memory_search', { query: 'zanzibar' });
    expect(dataOf(own).results.map((r: { entry: { key: string } }) => r.entry.key)).toEqual([
      'plan',
    ]);
    const search = await b.call('memory_search', { query: 'zanzibar' });
    expect(dataOf(search).results).toEqual([]);
    const list = await b.call('memory_list', {});
    expect(JSON.stringify(dataOf(list))).not.toContain('zanzibar');
    const plain = await b.call('memory_get', { key: 'plan' });
    expect(plain.isError).toBe(true);
    expect(textOf(plain)).toContain('NOT_FOUND');
    const named = await b.call('memory_get', { key: 'plan', namespace: aNs });
    expect(named.isError).toBe(true);
    expect(textOf(named)).toContain('ACCESS_DENIED');
    const del = await b.call('memory_delete', { key: 'plan', namespace: aNs });
    expect(textOf(del)).toContain('ACCESS_DENIED');
    // Still there for A.
    expect(textOf(await a.call('memory_get', { key: 'plan' }))).toContain('zanzibar');
    // And the tool refuses session parameters outright.
    const forged = await b.call('memory_get', {
      key: 'plan',
      sessionId: aNs.slice('session:'.length),
      sessionToken: 'x',
    });
    expect(forged.isError).toBe(true);
    expect(textOf(forged)).toContain('cannot be passed');
  });

  it('ends the aistack session on DELETE /mcp, deleting its private entries; the id is then unknown', async () => {
    const d = await startHttpDaemon();
    const m = await connectHttpMcp(d.base, { token: d.owner });
    await m.call('memory_store', { key: 'scratch', content: 'goes with the session' });
    const id = dataOf(await m.call('session_status')).session.id as string;
    const mcpId = m.transport.sessionId!;
    expect((await sessions(d)).map((s) => s.id)).toContain(id);

    await m.transport.terminateSession();
    const ended = (await sessions(d, true)).find((s) => s.id === id)!;
    expect(ended.endedAt).not.toBeNull();
    expect(ended.endReason).toBe('ended');
    expect(ended.entries).toBe(0);

    const again = await fetch(`${d.base}/mcp`, {
      method: 'POST',
      headers: { ...MCP_HEADERS, authorization: `Bearer ${d.owner}`, 'mcp-session-id': mcpId },
      body: JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list' }),
    });
    expect(again.status).toBe(404);
  });

  it('answers a session only to the token that opened it', async () => {
    const d = await startHttpDaemon();
    const m = await connectHttpMcp(d.base, { token: d.owner });
    const other = await scopedToken(d, 'other', ['sessions', 'memory:read', 'memory:write']);
    const res = await fetch(`${d.base}/mcp`, {
      method: 'POST',
      headers: {
        ...MCP_HEADERS,
        authorization: `Bearer ${other}`,
        'mcp-session-id': m.transport.sessionId!,
      },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 2,
        method: 'tools/call',
        params: { name: 'memory_list', arguments: {} },
      }),
    });
    expect(res.status).toBe(404);
    expect(((await res.json()) as { error: { data: { code: string } } }).error.data.code).toBe(
      'NOT_FOUND',
    );
    // The owner's session goes on.
    expect((await m.call('memory_list', {})).isError).toBeFalsy();
  });

  it('holds each token to http.mcp.maxSessionsPerToken open sessions', async () => {
    const d = await startHttpDaemon({ mcp: { maxSessionsPerToken: 2 } });
    const first = await connectHttpMcp(d.base, { token: d.owner });
    await connectHttpMcp(d.base, { token: d.owner });
    const third = await fetch(`${d.base}/mcp`, {
      method: 'POST',
      headers: { ...MCP_HEADERS, authorization: `Bearer ${d.owner}` },
      body: JSON.stringify(INIT),
    });
    expect(third.status).toBe(503);
    const body = (await third.json()) as { error: { message: string; data: { code: string } } };
    expect(body.error.data.code).toBe('BUSY');
    expect(body.error.message).toContain('http.mcp.maxSessionsPerToken');
    expect(await sessions(d)).toHaveLength(2);
    // Another token has its own allowance; closing one frees a place.
    const other = await scopedToken(d, 'other', ['sessions', 'memory:read', 'memory:write']);
    await connectHttpMcp(d.base, { token: other });
    await first.close();
    await connectHttpMcp(d.base, { token: d.owner });
  });

  it('fails initialize, saying why, for a token that may not open sessions, and keeps nothing', async () => {
    const d = await startHttpDaemon();
    const reader = await scopedToken(d, 'reader', ['memory:read']);
    await expect(connectHttpMcp(d.base, { token: reader })).rejects.toThrow(/sessions scope/);
    expect(await sessions(d)).toHaveLength(0);
    const metrics = await fetch(`${d.base}/metrics`, {
      headers: { authorization: `Bearer ${d.owner}` },
    });
    expect(await metrics.text()).toMatch(/aistack_connections\{transport="mcp-http"\} 0/);
  });

  it('refuses a wrong token with 401 and a foreign Host or Origin with 403, before any work', async () => {
    const d = await startHttpDaemon();
    await expect(connectHttpMcp(d.base, { token: 'ast_not-a-real-token' })).rejects.toThrow();
    const bad = await fetch(`${d.base}/mcp`, {
      method: 'POST',
      headers: { ...MCP_HEADERS, authorization: 'Bearer nope' },
      body: JSON.stringify(INIT),
    });
    expect(bad.status).toBe(401);
    expect(bad.headers.get('www-authenticate')).toContain('Bearer');
    const none = await fetch(`${d.base}/mcp`, {
      method: 'POST',
      headers: MCP_HEADERS,
      body: JSON.stringify(INIT),
    });
    expect(none.status).toBe(401);

    const body = JSON.stringify(INIT);
    const evilHost = await rawRequest(d, {
      method: 'POST',
      path: '/mcp',
      headers: { ...MCP_HEADERS, host: 'evil.example', authorization: `Bearer ${d.owner}` },
      body,
    });
    expect(evilHost.status).toBe(403);
    expect(JSON.parse(evilHost.body).error.data.reason).toBe('host');
    const evilOrigin = await rawRequest(d, {
      method: 'POST',
      path: '/mcp',
      headers: {
        ...MCP_HEADERS,
        host: `127.0.0.1:${d.port}`,
        origin: 'http://evil.example',
        authorization: `Bearer ${d.owner}`,
      },
      body,
    });
    expect(evilOrigin.status).toBe(403);
    expect(JSON.parse(evilOrigin.body).error.data.reason).toBe('origin');
    // No session was opened by any of them.
    expect(await sessions(d, true)).toHaveLength(0);
  });

  it('needs an Mcp-Session-Id on everything but initialize', async () => {
    const d = await startHttpDaemon();
    const res = await fetch(`${d.base}/mcp`, {
      method: 'POST',
      headers: { ...MCP_HEADERS, authorization: `Bearer ${d.owner}` },
      body: JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list' }),
    });
    expect(res.status).toBe(400);
    const get = await fetch(`${d.base}/mcp`, {
      headers: { accept: 'text/event-stream', authorization: `Bearer ${d.owner}` },
    });
    expect(get.status).toBe(400);
  });

  it('sends tools/list_changed on its SSE stream after a reload turns GitHub on', async () => {
    const dir = tempDir();
    const config = { github: { enabled: false }, http: { enabled: true, port: 0 } };
    const d = await startHttpDaemon({}, { dir, config });
    const m = await connectHttpMcp(d.base, { token: d.owner });
    const names = async () => (await m.client.listTools()).tools.map((t) => t.name);
    expect((await names()).some((n) => n.startsWith('github_'))).toBe(false);
    const changed = new Promise<void>((resolve) =>
      m.client.setNotificationHandler(ToolListChangedNotificationSchema, () => resolve()),
    );
    config.github.enabled = true;
    writeFileSync(join(dir, 'aistack.config.json'), JSON.stringify(config), { mode: 0o600 });
    const c = await d.client();
    expect((await c.call('config.reload', {})).changed.map((x) => x.path)).toContain(
      'github.enabled',
    );
    await changed;
    expect(await names()).toEqual(expect.arrayContaining(['github_repo_view']));
  });

  it('ends its aistack sessions when the daemon stops, so none outlives its MCP session', async () => {
    const dir = tempDir();
    const d = await startHttpDaemon({}, { dir });
    const m = await connectHttpMcp(d.base, { token: d.owner });
    await m.call('memory_store', { key: 'scratch', content: 'gone at stop' });
    const id = dataOf(await m.call('session_status')).session.id as string;
    await d.stop();
    const again = await startHttpDaemon({}, { dir });
    const s = (await sessions(again, true)).find((x) => x.id === id)!;
    expect(s.endedAt).not.toBeNull();
    expect(s.entries).toBe(0);
  });
});
