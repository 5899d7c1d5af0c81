/**
 * The life and the limits of an MCP session at /mcp, through a real daemon: DELETE ends
 * the aistack session, so does the idle sweep; a session answers only the token that
 * opened it; the per-token cap holds; a token that may not open sessions fails
 * initialize and leaves nothing; a wrong token is 401 and a foreign Host or Origin 403
 * before any work; everything but initialize needs an Mcp-Session-Id.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { dataOf } from '../helpers/mcp.js';
import { cleanupAll } from '../helpers/daemon.js';
import { rawRequest, startHttpDaemon } from '../helpers/http.js';
import { connectHttpMcp, INIT, MCP_HEADERS, scopedToken, sessions } from '../helpers/mcp-http.js';

afterEach(cleanupAll);

describe('MCP sessions over HTTP: lifetime and refusals', () => {
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

  it('closes a session idle past http.mcp.idleTimeoutMinutes, ending its aistack session', async () => {
    let now = Date.now();
    const d = await startHttpDaemon({ mcp: { idleTimeoutMinutes: 5 } }, { clock: () => now });
    const idle = await connectHttpMcp(d.base, { token: d.owner });
    const busy = await connectHttpMcp(d.base, { token: d.owner });
    const idleId = dataOf(await idle.call('session_status')).session.id as string;
    now += 4 * 60_000;
    await busy.call('session_status');
    now += 2 * 60_000;
    // What the sweep (every 30 s) runs, called at once instead of waited for.
    const front = (d.daemon as unknown as { http: { mcp: { closeIdle(): Promise<number> } } }).http
      .mcp;
    expect(await front.closeIdle()).toBe(1);
    const ended = (await sessions(d, true)).find((s) => s.id === idleId)!;
    expect(ended.endedAt).not.toBeNull();
    await expect(idle.call('session_status')).rejects.toThrow(/no such MCP session/);
    expect((await busy.call('session_status')).isError).toBeFalsy();
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

  it('answers CORS for /mcp when on: the MCP headers allowed and Mcp-Session-Id readable', async () => {
    const d = await startHttpDaemon({ cors: true });
    const origin = `http://127.0.0.1:${d.port}`;
    const preflight = await fetch(`${d.base}/mcp`, {
      method: 'OPTIONS',
      headers: {
        origin,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization,content-type,mcp-session-id',
      },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe(origin);
    expect(preflight.headers.get('access-control-allow-headers')).toContain('mcp-session-id');
    const init = await fetch(`${d.base}/mcp`, {
      method: 'POST',
      headers: { ...MCP_HEADERS, origin, authorization: `Bearer ${d.owner}` },
      body: JSON.stringify(INIT),
    });
    // The transport writes this answer itself; the hooks' headers are on it all the same.
    expect(init.status).toBe(200);
    expect(init.headers.get('mcp-session-id')).toBeTruthy();
    expect(init.headers.get('access-control-allow-origin')).toBe(origin);
    expect(init.headers.get('access-control-expose-headers')).toBe('mcp-session-id');
    expect(init.headers.get('x-ratelimit-limit')).toBe('600');
    expect(init.headers.get('content-security-policy')).toContain("default-src 'none'");
    await init.body?.cancel();
  });
});
