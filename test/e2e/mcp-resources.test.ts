/**
 * Memory entries as MCP resources through the official MCP client (issue #18, item 7),
 * over stdio and over /mcp: listed (paged) and read within the session's rights, another
 * session's private entry neither listed nor readable nor subscribable (and the refusal
 * audited), and `notifications/resources/updated` when another client changes or deletes
 * a subscribed entry — never for the refused one.
 */
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { McpError, ResourceUpdatedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { afterEach, describe, expect, it } from 'vitest';
import { entryUri } from '../../src/mcp/resources.js';
import { auditRecords } from '../helpers/audit.js';
import { runCli, tempDir } from '../helpers/daemon.js';
import { startHttpDaemon } from '../helpers/http.js';
import { callOk, closeShimsAndCleanup, daemonAndTwoShims, dataOf } from '../helpers/mcp.js';
import { connectHttpMcp } from '../helpers/mcp-http.js';
import { waitFor } from '../helpers/wait.js';

afterEach(closeShimsAndCleanup);

/** The URIs of every `notifications/resources/updated` the client gets, in order. */
function updates(client: Client): string[] {
  const uris: string[] = [];
  client.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => {
    uris.push(n.params.uri);
  });
  return uris;
}

/** Every resource listed, page by page; checks that each page is bounded. */
async function listAll(client: Client): Promise<string[]> {
  const uris: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await client.listResources(cursor ? { cursor } : {});
    expect(page.resources.length).toBeLessThanOrEqual(100);
    uris.push(...page.resources.map((r) => r.uri));
    cursor = page.nextCursor;
  } while (cursor);
  return uris;
}

async function mcpError(p: Promise<unknown>): Promise<McpError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof McpError) return err;
    throw err;
  }
  throw new Error('expected an MCP error');
}

describe('MCP resources over stdio', () => {
  it('lists and reads what the session may read, pages the list, and never shows another session’s private entries', async () => {
    const { d, a, b } = await daemonAndTwoShims();
    expect(a.client.getServerCapabilities()?.resources).toEqual({
      subscribe: true,
      listChanged: false,
    });
    const { resourceTemplates } = await a.client.listResourceTemplates();
    expect(resourceTemplates.map((t) => t.uriTemplate)).toEqual([
      'aistack://memory/{namespace}/{key}',
    ]);
    const mine = (await callOk(a, 'memory_store', { key: 'notes/today', content: 'a: my notes' }))
      .entry;
    const secret = (await callOk(b, 'memory_store', { key: 'secret', content: 'b only' })).entry;
    // 150 shared entries from the owner: more than one page.
    const c = await d.client();
    const { session } = await c.call('session.start', {});
    const creds = { sessionId: session.id, sessionToken: session.token };
    for (let i = 0; i < 150; i += 50)
      await Promise.all(
        Array.from({ length: 50 }, (_, j) =>
          c.call('memory.store', { namespace: 'kb', key: `e${i + j}`, content: 'x', ...creds }),
        ),
      );

    const listed = await listAll(a.client);
    expect(listed).toContain(entryUri(mine.namespace, 'notes/today'));
    expect(listed.filter((u) => u.startsWith('aistack://memory/kb/'))).toHaveLength(150);
    expect(listed.some((u) => u.includes(encodeURIComponent(secret.namespace)))).toBe(false);
    expect(new Set(listed).size).toBe(listed.length);
    // The key's `/` stays inside its part.
    expect(entryUri(mine.namespace, 'notes/today')).toBe(
      `aistack://memory/${encodeURIComponent(mine.namespace)}/notes%2Ftoday`,
    );

    const read = await a.client.readResource({ uri: entryUri(mine.namespace, 'notes/today') });
    expect(read.contents).toEqual([
      {
        uri: entryUri(mine.namespace, 'notes/today'),
        mimeType: 'text/plain',
        text: 'a: my notes',
      },
    ]);
    // B's private entry reads as a missing one does, word for word (but for the URI).
    const refused = await mcpError(
      a.client.readResource({ uri: entryUri(secret.namespace, 'secret') }),
    );
    const missing = await mcpError(
      a.client.readResource({ uri: entryUri(secret.namespace, 'nothing') }),
    );
    expect(refused.code).toBe(-32002);
    expect(missing.code).toBe(-32002);
    expect(refused.message.replace('secret', '?')).toBe(missing.message.replace('nothing', '?'));
    expect(JSON.stringify(refused)).not.toContain('b only');
    const bad = await mcpError(a.client.readResource({ uri: 'aistack://memory/only-one-part' }));
    expect(bad.code).toBe(-32602);
  });

  it('notifies a subscriber when another MCP client updates the entry and the CLI deletes it; a refused subscription never notifies', async () => {
    const { d, a, b } = await daemonAndTwoShims();
    const heard = updates(a.client);
    const plan = entryUri('kb', 'plan');
    await callOk(b, 'memory_store', { key: 'plan', namespace: 'kb', content: 'v1' });
    const secret = (await callOk(b, 'memory_store', { key: 'secret', content: 'b only' })).entry;
    const secretUri = entryUri(secret.namespace, 'secret');
    const aSession = (await callOk(a, 'session_status', {})).session;

    await a.client.subscribeResource({ uri: plan });
    await callOk(b, 'memory_store', { key: 'plan', namespace: 'kb', content: 'v2' });
    await waitFor(() => heard.length === 1, 'the update notification');
    expect(heard).toEqual([plan]);
    // The update is there to read.
    expect((await a.client.readResource({ uri: plan })).contents[0]).toMatchObject({ text: 'v2' });

    // The subscription to B's private entry is refused like a missing entry, and audited.
    const refused = await mcpError(a.client.subscribeResource({ uri: secretUri }));
    expect(refused.code).toBe(-32002);
    const denied = auditRecords(d).filter(
      (r) => r.event === 'access.denied' && r.method === 'memory.subscribe',
    );
    expect(denied).toEqual([
      expect.objectContaining({ namespace: secret.namespace, sessionId: aSession.id }),
    ]);
    // B changes its private entry, then the CLI deletes the shared one: A hears only of that.
    await callOk(b, 'memory_store', { key: 'secret', content: 'b changed it' });
    await callOk(b, 'memory_delete', { key: 'secret' });
    const env = { AISTACK_SOCKET: d.socketPath, HOME: tempDir() };
    const del = await runCli(['memory', 'delete', 'plan', '-n', 'kb'], env);
    expect(del.code, del.stderr).toBe(0);
    await waitFor(() => heard.length === 2, 'the delete notification');
    expect(heard).toEqual([plan, plan]);
    await expect(a.client.readResource({ uri: plan })).rejects.toMatchObject({ code: -32002 });

    // Unsubscribed: nothing more.
    await callOk(b, 'memory_store', { key: 'plan', namespace: 'kb', content: 'v3' });
    await waitFor(() => heard.length === 3, 'the re-creation notification');
    await a.client.unsubscribeResource({ uri: plan });
    await callOk(b, 'memory_store', { key: 'plan', namespace: 'kb', content: 'v4' });
    await callOk(b, 'memory_store', { key: 'other', namespace: 'kb', content: 'x' });
    await a.client.subscribeResource({ uri: entryUri('kb', 'other') });
    await callOk(b, 'memory_store', { key: 'other', namespace: 'kb', content: 'y' });
    await waitFor(() => heard.length === 4, 'the notification for the other entry');
    expect(heard).toEqual([plan, plan, plan, entryUri('kb', 'other')]);
    expect(a.protocolErrors).toEqual([]);
  });
});

describe('MCP resources over HTTP /mcp', () => {
  it('subscribes, and is notified when another client updates the entry; another session’s private entry is refused and listed nowhere', async () => {
    const d = await startHttpDaemon();
    const a = await connectHttpMcp(d.base, { token: d.owner, name: 'http-a' });
    const b = await connectHttpMcp(d.base, { token: d.owner, name: 'http-b' });
    expect(a.client.getServerCapabilities()?.resources).toEqual({
      subscribe: true,
      listChanged: false,
    });
    const heard = updates(a.client);
    const plan = entryUri('kb', 'plan');
    const stored = await b.call('memory_store', { key: 'plan', namespace: 'kb', content: 'v1' });
    expect(stored.isError).toBeFalsy();
    const secret = dataOf(await b.call('memory_store', { key: 'secret', content: 'b' })).entry;
    const secretUri = entryUri(secret.namespace, 'secret');

    await a.client.subscribeResource({ uri: plan });
    expect((await mcpError(a.client.subscribeResource({ uri: secretUri }))).code).toBe(-32002);
    expect((await mcpError(a.client.readResource({ uri: secretUri }))).code).toBe(-32002);
    await b.call('memory_store', { key: 'secret', content: 'b again' });
    // Another client (the socket) updates the shared entry.
    const c = await d.client();
    const { session } = await c.call('session.start', {});
    await c.call('memory.store', {
      namespace: 'kb',
      key: 'plan',
      content: 'v2',
      sessionId: session.id,
      sessionToken: session.token,
    });
    await waitFor(() => heard.length === 1, 'the update notification over HTTP');
    expect(heard).toEqual([plan]);
    const listed = await listAll(a.client);
    expect(listed).toContain(plan);
    expect(listed).not.toContain(secretUri);
  });
});
