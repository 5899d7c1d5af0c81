/**
 * MCP over Streamable HTTP at /mcp, through a real daemon and the official SDK's
 * `StreamableHTTPClientTransport`: a client initializes with a bearer token, lists the
 * same tools as the stdio shim, stores and searches; two MCP sessions are two aistack
 * sessions, isolated from each other; the session token never crosses HTTP or reaches
 * the log; the tool list follows a config reload; the daemon's stop ends the sessions.
 * Session lifetime and refusals: http-mcp-sessions.test.ts.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ToolListChangedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { afterEach, describe, expect, it } from 'vitest';
import { dataOf, textOf } from '../helpers/mcp.js';
import { cleanupAll, tempDir } from '../helpers/daemon.js';
import { startHttpDaemon } from '../helpers/http.js';
import { connectHttpMcp, sessions, TOKEN_SHAPE } from '../helpers/mcp-http.js';

afterEach(cleanupAll);

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
