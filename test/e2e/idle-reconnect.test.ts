/**
 * An idle close is routine for the clients: the typed client and the MCP shim connect
 * again on their next call, present the same token, and carry on in the same session —
 * the session belongs to the daemon, not to the connection that opened it.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { connectTo, startDaemon, type TestDaemon } from '../helpers/daemon.js';
import { closeShimsAndCleanup, dataOf, spawnShim, textOf } from '../helpers/mcp.js';
import { waitFor } from '../helpers/wait.js';

afterEach(closeShimsAndCleanup);

const IDLE = { daemon: { idleTimeoutMs: 250 } };

/** Waits until the daemon has closed every connection (they were all idle). */
const allClosed = (d: TestDaemon) =>
  waitFor(() => d.daemon.server!.connectionCount === 0, 'the idle connections closed');

describe('the typed client after an idle close', () => {
  it('reconnects on the next call, authenticated again with its token', async () => {
    const d = await startDaemon({ config: IDLE });
    const c = await d.client();
    const closes: Error[] = [];
    c.onClose((err) => closes.push(err));
    await c.call('system.ping');
    for (let round = 0; round < 3; round++) {
      await allClosed(d);
      expect(c.closed).toBe(false);
      // system.status needs a scope: it answers only if the new connection authenticated.
      expect((await c.call('system.status')).connections.current).toBe(1);
    }
    expect(closes).toEqual([]);
  });

  it('keeps the scopes of a scoped token across the reconnect, no more', async () => {
    const d = await startDaemon({ config: IDLE });
    const owner = await d.client();
    const { token } = await owner.call('token.create', {
      name: 'reader',
      scopes: ['memory:read', 'system:read'],
    });
    owner.close();
    const c = await connectTo(d, { token });
    await c.call('system.ping');
    await allClosed(d);
    expect(await c.call('memory.list', { namespace: 'team' })).toMatchObject({ entries: [] });
    await expect(c.call('token.list')).rejects.toMatchObject({ code: 'FORBIDDEN' });
  });

  it('a call while the daemon is gone fails, and says the connection is closed', async () => {
    const d = await startDaemon({ config: IDLE });
    const c = await connectTo(d);
    await c.call('system.ping');
    await allClosed(d);
    await d.stop();
    await expect(c.call('system.ping')).rejects.toThrow(/cannot reconnect/);
    expect(c.closed).toBe(true);
  });
});

describe('the MCP shim after idle closes', () => {
  it('keeps its session and its entries across idle closes, and tells the model nothing', async () => {
    const d = await startDaemon({ config: IDLE });
    const shim = await spawnShim({ socketPath: d.socketPath });
    const first = dataOf(await shim.call('session_status')).session;
    const stored = await shim.call('memory_store', { key: 'plan', content: 'still here' });
    expect(stored.isError, textOf(stored)).toBeFalsy();
    for (let round = 0; round < 3; round++) {
      await allClosed(d);
      const got = await shim.call('memory_get', { key: 'plan', namespace: first.namespace });
      expect(got.isError, textOf(got)).toBeFalsy();
      expect(textOf(got)).toContain('still here');
      expect(textOf(got)).not.toMatch(/reconnect|new session|lost/i);
    }
    expect(dataOf(await shim.call('session_status')).session.id).toBe(first.id);
    expect(shim.stderr()).not.toMatch(/connection to the daemon closed/);
    expect(shim.protocolErrors).toEqual([]);
  });
});
