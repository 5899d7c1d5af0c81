import { afterEach, describe, expect, it } from 'vitest';
import { RpcError } from '../../src/clients/client.js';
import { methodTable } from '../../src/protocol/table.js';
import { cleanupAll, connectTo, ownerToken, startDaemon } from '../helpers/daemon.js';
import { auditRecords } from '../helpers/audit.js';
import { rawSocket } from '../helpers/raw-socket.js';
import { waitFor } from '../helpers/wait.js';

afterEach(cleanupAll);

const req = (id: number | string, method: string, params?: unknown) =>
  JSON.stringify({ jsonrpc: '2.0', id, method, ...(params === undefined ? {} : { params }) }) +
  '\n';

describe('JSON-RPC over the socket', () => {
  it('answers malformed JSON with -32700 and keeps the connection usable', async () => {
    const d = await startDaemon();
    const s = await rawSocket(d.socketPath, ownerToken(d));
    s.send('{"jsonrpc": "2.0", "id": 1, "method": \n');
    expect(await s.next()).toMatchObject({ id: null, error: { code: -32700 } });
    s.send(req(2, 'system.ping'));
    expect(await s.next()).toMatchObject({ id: 2, result: { pong: true } });
    s.close();
  });

  it('answers a batch with an array, skipping notifications', async () => {
    const d = await startDaemon();
    const s = await rawSocket(d.socketPath, ownerToken(d));
    s.send(
      JSON.stringify([
        { jsonrpc: '2.0', id: 'a', method: 'system.ping' },
        { jsonrpc: '2.0', method: 'system.ping' },
        { jsonrpc: '2.0', id: 'b', method: 'system.health' },
        { jsonrpc: '2.0', id: 'c', method: 'no.such' },
      ]) + '\n',
    );
    const reply = (await s.next()) as { id: string }[];
    expect(Array.isArray(reply)).toBe(true);
    expect(reply.map((r) => r.id).sort()).toEqual(['a', 'b', 'c']);
    expect(reply.find((r) => r.id === 'c')).toMatchObject({ error: { code: -32601 } });
    s.send(JSON.stringify([{ jsonrpc: '2.0', id: 'only', method: 'system.ping' }]) + '\n');
    expect(await s.next()).toEqual([expect.objectContaining({ id: 'only' })]);
    s.send('[]\n');
    expect(await s.next()).toMatchObject({ error: { code: -32600 } });
    s.close();
  });

  it('sends nothing back for a notification', async () => {
    const d = await startDaemon();
    const s = await rawSocket(d.socketPath, ownerToken(d));
    s.send(JSON.stringify({ jsonrpc: '2.0', method: 'system.ping' }) + '\n');
    s.send(req(7, 'system.ping'));
    expect(await s.next()).toMatchObject({ id: 7 });
    s.close();
  });

  it('answers an unknown method with -32601 and a non-request with -32600', async () => {
    const d = await startDaemon();
    const s = await rawSocket(d.socketPath, ownerToken(d));
    s.send(req(1, 'memory.explode'));
    expect(await s.next()).toMatchObject({ id: 1, error: { code: -32601 } });
    s.send('42\n');
    expect(await s.next()).toMatchObject({ error: { code: -32600 } });
    s.send('{"id": 3, "method": "system.ping"}\n');
    expect(await s.next()).toMatchObject({ error: { code: -32600 } });
    s.close();
  });

  it('answers invalid params with -32602 carrying the zod issues', async () => {
    const d = await startDaemon();
    const s = await rawSocket(d.socketPath, ownerToken(d));
    s.send(req(1, 'system.ping', { delayMs: 'soon', extra: true }));
    const reply = (await s.next()) as {
      error: { code: number; message: string; data: { issues: { path: string }[] } };
    };
    expect(reply.error.code).toBe(-32602);
    expect(reply.error.message).toMatch(/delayMs/);
    const paths = reply.error.data.issues.map((i) => i.path);
    expect(paths).toContain('delayMs');
    expect(reply.error.data.issues.some((i) => JSON.stringify(i).includes('extra'))).toBe(true);
    s.send(req(2, 'system.ping', [1, 2]));
    expect(await s.next()).toMatchObject({ id: 2, error: { code: -32602 } });
    s.close();
  });

  it('closes only the connection that sent an oversized line', async () => {
    const d = await startDaemon({ config: { daemon: { maxLineBytes: 64 * 1024 } } });
    const bystander = await rawSocket(d.socketPath, ownerToken(d));
    const s = await rawSocket(d.socketPath, ownerToken(d));
    s.send(req(1, 'system.ping', { pad: 'x'.repeat(100 * 1024) }));
    expect(await s.next()).toMatchObject({ id: null, error: { code: -32008 } });
    await s.closed;
    bystander.send(req(9, 'system.ping'));
    expect(await bystander.next()).toMatchObject({ id: 9, result: { pong: true } });
    bystander.close();
    expect(auditRecords(d).some((r) => r.code === 'PAYLOAD_TOO_LARGE')).toBe(true);
  });

  it('serves 200 concurrent connections, each doing requests', async () => {
    const d = await startDaemon();
    const clients = await Promise.all(Array.from({ length: 200 }, () => connectTo(d)));
    const results = await Promise.all(
      clients.map(async (c, i) => {
        const out = [];
        for (let j = 0; j < 5; j++) out.push(await c.call('system.ping'));
        if (i % 2 === 0) out.push(await c.call('system.status'));
        return out.length;
      }),
    );
    expect(results.reduce((a, b) => a + b, 0)).toBe(200 * 5 + 100);
    const status = await clients[0]!.call('system.status');
    expect(status.connections.current).toBe(200);
    clients.forEach((c) => c.close());
  });

  it('refuses connections past the cap with a clear error', async () => {
    const d = await startDaemon({ config: { daemon: { maxConnections: 3 } } });
    const held = await Promise.all([1, 2, 3].map(() => connectTo(d)));
    await Promise.all(held.map((c) => c.call('system.ping')));
    const s = await rawSocket(d.socketPath);
    expect(await s.next()).toMatchObject({
      id: null,
      error: { code: -32009, message: expect.stringMatching(/too many connections \(limit 3\)/) },
    });
    await s.closed;
    held[0]!.close();
    // The freed place: the daemon has seen the close once it counts two connections.
    await waitFor(
      async () => (await held[1]!.call('system.status')).connections.current === 2,
      'the daemon to see the closed connection',
    );
    const c = await connectTo(d);
    expect(await c.call('system.ping')).toMatchObject({ pong: true });
    c.close();
    held.forEach((h) => h.close());
  });

  it('survives abrupt disconnects mid-request and still answers ping', async () => {
    const d = await startDaemon();
    for (let i = 0; i < 50; i++) {
      const s = await rawSocket(d.socketPath, ownerToken(d));
      s.send(req(i, 'system.ping', { delayMs: 20 }));
      if (i % 3 === 0) s.send('{"jsonrpc":"2.0","id":1,"method":"sys'); // half a line
      s.socket.destroy();
    }
    const c = await d.client();
    expect(await c.call('system.ping')).toMatchObject({ pong: true });
    // Every dropped connection is let go: only this client's is left.
    await waitFor(
      async () => (await c.call('system.status')).connections.current === 1,
      'the daemon to drop the 50 aborted connections',
    );
  });

  it('reports request and error counts per method in system.status', async () => {
    const d = await startDaemon();
    const c = await d.client();
    await c.call('system.ping');
    await c.call('system.ping');
    await expect(c.call('system.ping', { delayMs: -1 })).rejects.toBeInstanceOf(RpcError);
    const status = await c.call('system.status');
    expect(status.requests.byMethod['system.ping']).toEqual({ requests: 3, errors: 1 });
    expect(status.database.sizeBytes).toBeGreaterThan(0);
    expect(status.pid).toBe(process.pid);
  });

  it('lists every method with JSON Schemas for its params and its result', async () => {
    const d = await startDaemon();
    const c = await d.client();
    const { methods } = await c.call('system.methods');
    const names = methods.map((m) => m.name);
    expect(names).toEqual(
      expect.arrayContaining(['system.ping', 'system.status', 'system.health', 'system.methods']),
    );
    expect(names.sort()).toEqual(methodTable.map((m) => m.name).sort());
    for (const m of methods) {
      expect(m.description.length).toBeGreaterThan(10);
      expect(m.params).toMatchObject({ type: 'object' });
      expect(m.result.type ?? m.result.anyOf ?? m.result.oneOf, m.name).toBeDefined();
    }
    const ping = methods.find((m) => m.name === 'system.ping')!;
    expect(ping.result).toMatchObject({
      type: 'object',
      properties: { pong: { const: true }, time: { type: 'string', format: 'date-time' } },
      required: ['pong', 'time'],
    });
    expect(await c.call('system.health')).toEqual({ ok: true, problems: [] });
  });
});
