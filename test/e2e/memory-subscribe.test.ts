/**
 * memory.subscribe over the socket (issue #18, item 7): a subscribed connection hears of
 * each committed change to its entry — from other connections, by store, append,
 * restoreVersion, delete and a session's end — and nobody else hears anything; another
 * session's private entry cannot be subscribed to (NOT_FOUND, audited) and never leaks a
 * notice; subscriptions are bounded per connection and keep a quiet connection open.
 */
import { spawn } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { AistackClient } from '../../src/clients/client.js';
import { memoryChangedSchema, SUBSCRIPTION_LIMITS } from '../../src/protocol/memory-watch.js';
import { auditRecords } from '../helpers/audit.js';
import {
  AISTACK,
  checkResults,
  cleanupAll,
  ownerToken,
  startDaemon,
  tempDir,
} from '../helpers/daemon.js';
import { rawSocket } from '../helpers/raw-socket.js';
import { openSession } from '../helpers/session.js';
import { waitFor } from '../helpers/wait.js';

afterEach(cleanupAll);

interface Heard {
  method: string;
  params: Record<string, unknown>;
}

/** Every notification `client` receives, in order. */
function listen(client: AistackClient): Heard[] {
  const heard: Heard[] = [];
  client.onNotification((method, params) =>
    heard.push({ method, params: params as Record<string, unknown> }),
  );
  return heard;
}

const changed = (heard: Heard[]) =>
  heard.filter((h) => h.method === 'memory.changed').map((h) => h.params);

async function codeOf(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (err) {
    return (err as { data?: { code?: string } }).data?.code;
  }
  return 'no error';
}

describe('memory.subscribe', () => {
  it('tells the subscriber of updates, an append, a restore and the delete made by another connection, and nobody else', async () => {
    const d = await startDaemon();
    const watcher = await d.client();
    const writer = await d.client();
    const bystander = await d.client();
    const heard = listen(watcher);
    const other = listen(bystander);
    const w = await openSession(watcher);
    const b = await openSession(writer);
    const at = { namespace: 'team', key: 'plan' };
    await writer.call('memory.store', { ...at, content: 'v1', ...b.creds });
    const sub = await watcher.call('memory.subscribe', { ...at, ...w.creds });
    expect(sub).toEqual({ subscribed: true, ...at, version: 1, notification: 'memory.changed' });

    await writer.call('memory.store', { ...at, content: 'v2', ...b.creds });
    await waitFor(() => changed(heard).length === 1, 'the update notice');
    await writer.call('memory.append', { ...at, content: ' more', ...b.creds });
    await waitFor(() => changed(heard).length === 2, 'the append notice');
    await writer.call('memory.restoreVersion', { ...at, version: 1, ...b.creds });
    await waitFor(() => changed(heard).length === 3, 'the restore notice');
    await writer.call('memory.delete', { ...at, ...b.creds });
    await waitFor(() => changed(heard).length === 4, 'the delete notice');
    expect(changed(heard)).toEqual([
      { ...at, version: 2 },
      { ...at, version: 3 },
      { ...at, version: 4 },
      { ...at, deleted: true },
    ]);
    // Another entry's writes, and the bystander, hear nothing.
    await writer.call('memory.store', {
      namespace: 'team',
      key: 'other',
      content: 'x',
      ...b.creds,
    });
    await writer.call('memory.store', { ...at, content: 'again', ...b.creds });
    await waitFor(() => changed(heard).length === 5, 'the re-creation notice');
    expect(changed(heard)[4]).toEqual({ ...at, version: 5 });
    for (const notice of changed(heard)) expect(memoryChangedSchema.parse(notice)).toEqual(notice);
    expect(other).toEqual([]);
  });

  it("refuses another session's private entry as NOT_FOUND, audits it, and never tells of it", async () => {
    const d = await startDaemon();
    const owner = await d.client();
    const spy = await d.client();
    const heard = listen(spy);
    const a = await openSession(owner);
    const s = await openSession(spy);
    await owner.call('memory.store', { key: 'secret', content: 'mine', ...a.creds });
    const privateAt = { namespace: a.namespace, key: 'secret' };
    expect(await codeOf(spy.call('memory.subscribe', { ...privateAt, ...s.creds }))).toBe(
      'NOT_FOUND',
    );
    // The same answer as for an entry that does not exist, word for word.
    const refused = spy.call('memory.subscribe', { ...privateAt, ...s.creds }).catch((e) => e);
    const missing = spy
      .call('memory.subscribe', { namespace: s.namespace, key: 'secret', ...s.creds })
      .catch((e) => e);
    expect((await refused).message.replace(a.id, 'X')).toBe(
      (await missing).message.replace(s.id, 'X'),
    );
    // Without credentials: the shared-only view refuses it the same way.
    expect(await codeOf(spy.call('memory.subscribe', privateAt))).toBe('NOT_FOUND');
    const denied = auditRecords(d).filter(
      (r) => r.event === 'access.denied' && r.method === 'memory.subscribe',
    );
    expect(denied.length).toBeGreaterThanOrEqual(2);
    expect(denied[0]).toMatchObject({ namespace: a.namespace, sessionId: s.id });

    // The owner changes it; then a shared entry the spy may watch changes too.
    await owner.call('memory.store', { namespace: 'pub', key: 'open', content: '1', ...a.creds });
    await spy.call('memory.subscribe', { namespace: 'pub', key: 'open', ...s.creds });
    await owner.call('memory.store', { key: 'secret', content: 'changed', ...a.creds });
    await owner.call('memory.delete', { key: 'secret', ...a.creds });
    await owner.call('memory.store', { namespace: 'pub', key: 'open', content: '2', ...a.creds });
    await waitFor(() => changed(heard).length >= 1, 'the legitimate notice');
    expect(heard).toEqual([
      { method: 'memory.changed', params: { namespace: 'pub', key: 'open', version: 2 } },
    ]);
  });

  it('answers NOT_FOUND for a missing entry, and tells a session of its own entries going when it ends', async () => {
    const d = await startDaemon();
    const c = await d.client();
    const heard = listen(c);
    const s = await openSession(c);
    expect(await codeOf(c.call('memory.subscribe', { key: 'nope', ...s.creds }))).toBe('NOT_FOUND');
    await c.call('memory.store', { key: 'mine', content: 'x', ...s.creds });
    const sub = await c.call('memory.subscribe', { key: 'mine', ...s.creds });
    expect(sub.namespace).toBe(s.namespace);
    await c.call('memory.store', { namespace: 'pub', key: 'p', content: 'x', ...s.creds });
    await c.call('memory.subscribe', { namespace: 'pub', key: 'p', ...s.creds });
    await c.call('session.end', { ...s.creds });
    await waitFor(() => changed(heard).length === 1, 'the deleted notice');
    expect(changed(heard)).toEqual([{ namespace: s.namespace, key: 'mine', deleted: true }]);
    // What was subscribed in the ended session is told nothing more, and is let go.
    const other = await d.client();
    const o = await openSession(other);
    await other.call('memory.store', { namespace: 'pub', key: 'p', content: 'y', ...o.creds });
    await waitFor(() => d.daemon.dispatcher?.subscriptionCount === 0, 'the subscriptions to end');
    expect(changed(heard)).toHaveLength(1);
  });

  it('ends subscriptions on unsubscribe, with the connection, and bounds them per connection', async () => {
    const d = await startDaemon();
    const c = await d.client();
    const heard = listen(c);
    const s = await openSession(c);
    await c.call('memory.store', { namespace: 'n', key: 'k', content: 'x', ...s.creds });
    await c.call('memory.subscribe', { namespace: 'n', key: 'k', ...s.creds });
    // Subscribing again changes nothing: one notice per change.
    await c.call('memory.subscribe', { namespace: 'n', key: 'k', ...s.creds });
    expect(await c.call('memory.unsubscribe', { namespace: 'n', key: 'k' })).toEqual({
      unsubscribed: 1,
      namespaces: ['n'],
    });
    expect(await c.call('memory.unsubscribe', { key: 'k' })).toEqual({
      unsubscribed: 0,
      namespaces: [],
    });

    const max = SUBSCRIPTION_LIMITS.perConnection;
    for (let i = 0; i < max; i += 100) {
      await Promise.all(
        Array.from({ length: 100 }, (_, j) =>
          c
            .call('memory.store', { namespace: 'n', key: `e${i + j}`, content: 'x', ...s.creds })
            .then(() => c.call('memory.subscribe', { namespace: 'n', key: `e${i + j}` })),
        ),
      );
    }
    await c.call('memory.store', { namespace: 'n', key: 'one-more', content: 'x', ...s.creds });
    const over = await c
      .call('memory.subscribe', { namespace: 'n', key: 'one-more' })
      .catch((e) => e);
    expect(over.data).toMatchObject({ code: 'BUSY', maxSubscriptions: max });
    // Already held: still fine at the cap.
    await c.call('memory.subscribe', { namespace: 'n', key: 'e0' });

    const writer = await d.client();
    const w = await openSession(writer);
    await writer.call('memory.store', { namespace: 'n', key: 'k', content: 'y', ...w.creds });
    await writer.call('memory.store', { namespace: 'n', key: 'e1', content: 'y', ...w.creds });
    await waitFor(() => changed(heard).length === 1, 'the notice for e1');
    expect(changed(heard)).toEqual([{ namespace: 'n', key: 'e1', version: 2 }]);

    // Closed, its subscriptions go: a new connection can subscribe a full set again.
    c.close();
    const again = await d.client();
    await again.call('memory.subscribe', { namespace: 'n', key: 'e1' });
    await waitFor(
      () => d.daemon.dispatcher?.subscriptionCount === 1,
      "the closed connection's subscriptions to go",
    );
  });

  it('tells a connection nothing more once its token is revoked, ends its subscriptions and audits that once', async () => {
    const d = await startDaemon();
    const owner = await d.client();
    const { token } = await owner.call('token.create', {
      name: 'watcher',
      scopes: ['memory:read'],
    });
    const watcher = await AistackClient.connect(d.socketPath, { token });
    const heard = listen(watcher);
    const control = listen(owner);
    const s = await openSession(owner);
    const at = { namespace: 'team', key: 'plan' };
    await owner.call('memory.store', { ...at, content: 'v1', ...s.creds });
    await watcher.call('memory.subscribe', at);
    await owner.call('memory.subscribe', at);
    await owner.call('memory.store', { ...at, content: 'v2', ...s.creds });
    await waitFor(
      () => changed(heard).length === 1 && changed(control).length === 1,
      'both subscribers to hear of v2',
    );

    await owner.call('token.revoke', { name: 'watcher' });
    for (const content of ['v3', 'v4']) {
      await owner.call('memory.store', { ...at, content, ...s.creds });
    }
    await waitFor(() => changed(control).length === 3, 'the owner to hear of v3 and v4');
    // A round trip on the watcher's own socket: a notice sent before its reply came first.
    expect(await codeOf(watcher.call('memory.get', at))).toBe('UNAUTHENTICATED');
    expect(changed(heard)).toEqual([{ ...at, version: 2 }]);
    expect(d.daemon.dispatcher?.subscriptionCount).toBe(1);
    const stopped = auditRecords(d).filter((r) => r.event === 'notifications.stopped');
    expect(stopped).toEqual([
      expect.objectContaining({
        tokenName: 'watcher',
        reason: 'token revoked or expired',
        ended: 1,
      }),
    ]);
  });

  it('tells a connection nothing more once its token expires', async () => {
    let now = Date.now();
    const d = await startDaemon({ clock: () => now });
    const owner = await d.client();
    const { token } = await owner.call('token.create', {
      name: 'day-pass',
      scopes: ['memory:read'],
      expiresInDays: 1,
    });
    const watcher = await AistackClient.connect(d.socketPath, { token });
    const heard = listen(watcher);
    const control = listen(owner);
    const at = { namespace: 'team', key: 'plan' };
    await owner.call('memory.store', { ...at, content: 'v1', ...(await openSession(owner)).creds });
    await watcher.call('memory.subscribe', at);
    await owner.call('memory.subscribe', at);

    now += 2 * 24 * 3600 * 1000;
    await owner.call('memory.store', { ...at, content: 'v2', ...(await openSession(owner)).creds });
    await waitFor(() => changed(control).length === 1, 'the owner to hear of v2');
    expect(await codeOf(watcher.call('memory.get', at))).toBe('UNAUTHENTICATED');
    expect(changed(heard)).toEqual([]);
    expect(d.daemon.dispatcher?.subscriptionCount).toBe(1);
    expect(auditRecords(d).filter((r) => r.event === 'notifications.stopped')).toEqual([
      expect.objectContaining({ tokenName: 'day-pass', ended: 1 }),
    ]);
  });

  it('keeps a quiet subscribed connection open past the idle timeout, while an idle one is closed', async () => {
    const d = await startDaemon({ config: { daemon: { idleTimeoutMs: 200 } } });
    const token = ownerToken(d);
    const quiet = await rawSocket(d.socketPath, token);
    const idle = await rawSocket(d.socketPath, token);
    const writer = await d.client();
    const w = await openSession(writer);
    await writer.call('memory.store', { namespace: 'n', key: 'k', content: 'x', ...w.creds });
    quiet.send(
      JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'memory.subscribe',
        params: { namespace: 'n', key: 'k' },
      }) + '\n',
    );
    expect(await quiet.next()).toMatchObject({ id: 1, result: { subscribed: true } });
    // The other quiet connection, subscribed to nothing, is closed as idle; so is one
    // opened after that, whose idle time starts well after the subscribed one's…
    await idle.closed;
    const later = await rawSocket(d.socketPath, token);
    await later.closed;
    // …and then a change still reaches the subscribed one.
    await writer.call('memory.store', { namespace: 'n', key: 'k', content: 'y', ...w.creds });
    expect(await quiet.next()).toEqual({
      jsonrpc: '2.0',
      method: 'memory.changed',
      params: { namespace: 'n', key: 'k', version: 2 },
    });
    quiet.close();
  });

  it('aistack memory watch prints each change until --count, and a refused entry is "not found"', async () => {
    const d = await startDaemon();
    const c = await d.client();
    const s = await openSession(c);
    await c.call('memory.store', { namespace: 'kb', key: 'plan', content: 'v1', ...s.creds });
    const env = {
      PATH: process.env.PATH,
      HOME: tempDir(),
      AISTACK_SOCKET: d.socketPath,
      ...checkResults,
    };
    const watch = spawn(
      process.execPath,
      [AISTACK, '--json', 'memory', 'watch', 'plan', '-n', 'kb', '--count', '2'],
      { env, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    let err = '';
    watch.stdout.on('data', (b) => (out += b));
    watch.stderr.on('data', (b) => (err += b));
    const exited = new Promise<number | null>((r) => watch.once('exit', (code) => r(code)));
    await waitFor(() => err.includes('watching kb/plan (version 1)'), 'the watch to start');
    await c.call('memory.store', { namespace: 'kb', key: 'plan', content: 'v2', ...s.creds });
    await c.call('memory.delete', { namespace: 'kb', key: 'plan', ...s.creds });
    expect(await exited).toBe(0);
    expect(
      out
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l)),
    ).toEqual([
      { namespace: 'kb', key: 'plan', version: 2 },
      { namespace: 'kb', key: 'plan', deleted: true },
    ]);

    await c.call('memory.store', { key: 'secret', content: 'x', ...s.creds });
    const refused = spawn(
      process.execPath,
      [AISTACK, 'memory', 'watch', 'secret', '-n', s.namespace, '--count', '1'],
      { env, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let refusedErr = '';
    refused.stderr.on('data', (b) => (refusedErr += b));
    const code = await new Promise<number | null>((r) => refused.once('exit', (x) => r(x)));
    expect(code).not.toBe(0);
    expect(refusedErr).toContain(`no entry with key "secret" in namespace ${s.namespace}`);
  });
});
