/**
 * One error path, seen from a raw socket: every kind of frame that can go wrong gets a
 * reply whose number and `data.code` are the README's error table, and the daemon keeps
 * nothing per call on a long-lived connection.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { auditRecords } from '../helpers/audit.js';
import { ROOT, cleanupAll, connectTo, ownerToken, startDaemon } from '../helpers/daemon.js';
import { daemonWithStubs } from '../helpers/provider-daemon.js';
import type { ProviderStub } from '../helpers/provider-stubs.js';
import { rawSocket, type RawSocket } from '../helpers/raw-socket.js';
import { openSession } from '../helpers/session.js';

const stubs: ProviderStub[] = [];
afterEach(async () => {
  await cleanupAll();
  await Promise.all(stubs.splice(0).map((s) => s.stop()));
});

/** The README's error table: code → number. */
function readmeTable(): Map<string, number> {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const rows = [...readme.matchAll(/^\| ([A-Z_]+) \| (-\d+) \|/gm)];
  return new Map(rows.map((m) => [m[1]!, Number(m[2])]));
}

type ErrorReply = { id: unknown; error: { code: number; message: string; data: { code: string } } };

function expectTableError(reply: unknown, code: string): void {
  const table = readmeTable();
  expect(table.has(code), `${code} is in the README table`).toBe(true);
  const { error } = reply as ErrorReply;
  expect(error.data.code).toBe(code);
  expect(error.code).toBe(table.get(code));
  expect(error.message.length).toBeGreaterThan(0);
}

const send = (s: RawSocket, message: unknown) =>
  s.send((typeof message === 'string' ? message : JSON.stringify(message)) + '\n');

describe('every frame kind answers with the README error table', () => {
  it('parse errors, invalid requests, bad ids, unknown methods, bad params, refusals, oversized lines', async () => {
    const d = await startDaemon({ config: { daemon: { maxLineBytes: 64 * 1024 } } });
    const s = await rawSocket(d.socketPath, ownerToken(d));
    const cases: [unknown, string][] = [
      ['{"jsonrpc":"2.0","id":1,"method":', 'PARSE_ERROR'],
      ['[]', 'INVALID_REQUEST'],
      [{ jsonrpc: '2.0', id: 2, method: 7 }, 'INVALID_REQUEST'],
      [{ jsonrpc: '2.0', id: { nested: true }, method: 'system.ping' }, 'INVALID_REQUEST'],
      [{ jsonrpc: '2.0', id: 3, method: 'system.ping', params: 'x' }, 'INVALID_REQUEST'],
      [{ id: 4, method: 'system.ping' }, 'INVALID_REQUEST'],
      [{ jsonrpc: '2.0', id: 5, method: 'no.such.method' }, 'METHOD_NOT_FOUND'],
      [
        { jsonrpc: '2.0', id: 6, method: 'system.ping', params: { delayMs: 'x' } },
        'INVALID_PARAMS',
      ],
      [
        { jsonrpc: '2.0', id: 7, method: 'memory.store', params: { key: 'k', content: 'c' } },
        'SESSION_REQUIRED',
      ],
      [
        {
          jsonrpc: '2.0',
          id: 8,
          method: 'memory.get',
          params: { key: 'k', namespace: 'session:nobody' },
        },
        'ACCESS_DENIED',
      ],
      [
        {
          jsonrpc: '2.0',
          id: 9,
          method: 'memory.get',
          params: { key: 'missing', namespace: 'team' },
        },
        'NOT_FOUND',
      ],
      [
        Array.from({ length: 101 }, (_, i) => ({ jsonrpc: '2.0', id: i, method: 'system.ping' })),
        'INVALID_REQUEST',
      ],
    ];
    for (const [message, code] of cases) {
      send(s, message);
      expectTableError(await s.next(), code);
    }
    send(s, {
      jsonrpc: '2.0',
      id: 10,
      method: 'system.ping',
      params: { pad: 'x'.repeat(100 * 1024) },
    });
    const oversized = await s.next();
    expectTableError(oversized, 'PAYLOAD_TOO_LARGE');
    await s.closed;

    const audited = auditRecords(d)
      .filter((r) => r.event === 'request.refused')
      .map((r) => (r.details as { code: string } | undefined)?.code ?? r.code);
    for (const code of [
      'PARSE_ERROR',
      'INVALID_REQUEST',
      'METHOD_NOT_FOUND',
      'INVALID_PARAMS',
      'SESSION_REQUIRED',
      'PAYLOAD_TOO_LARGE',
    ]) {
      expect(audited, `${code} is audited`).toContain(code);
    }
    expect(audited).not.toContain('NOT_FOUND');
  });

  it('a refused connection (past the cap) gets BUSY from the table', async () => {
    const d = await startDaemon({ config: { daemon: { maxConnections: 1 } } });
    const held = await d.client();
    await held.call('system.ping');
    const s = await rawSocket(d.socketPath);
    expectTableError(await s.next(), 'BUSY');
    await s.closed;
  });

  it('a connection the daemon closes (here: idle) gets CONNECTION_CLOSED from the table', async () => {
    const d = await startDaemon({ config: { daemon: { idleTimeoutMs: 100 } } });
    const s = await rawSocket(d.socketPath, ownerToken(d));
    const last = await s.next();
    expectTableError(last, 'CONNECTION_CLOSED');
    expect((last as ErrorReply).id).toBeNull();
    await s.closed;
  });

  it('a batch [null, store] commits the store, answers it, and answers null with -32600', async () => {
    const d = await startDaemon();
    const c = await d.client();
    const session = await openSession(c);
    const s = await rawSocket(d.socketPath, ownerToken(d));
    const store = {
      jsonrpc: '2.0',
      id: 'w',
      method: 'memory.store',
      params: { key: 'k', content: 'kept', namespace: 'team', ...session.creds },
    };
    send(s, [null, store]);
    const reply = (await s.next()) as { id: unknown; error?: unknown; result?: unknown }[];
    expect(reply).toHaveLength(2);
    expectTableError(
      reply.find((r) => r.id === null),
      'INVALID_REQUEST',
    );
    expect(reply.find((r) => r.id === 'w')).toMatchObject({
      result: { entry: { namespace: 'team' } },
    });
    expect(await c.call('memory.get', { key: 'k', namespace: 'team' })).toMatchObject({
      entry: { content: 'kept' },
    });
  });

  it('a lowered daemon.maxLineBytes applies to connections already open', async () => {
    const d = await startDaemon({ config: { daemon: { maxLineBytes: 1024 * 1024 } } });
    const s = await rawSocket(d.socketPath, ownerToken(d));
    send(s, {
      jsonrpc: '2.0',
      id: 1,
      method: 'system.ping',
      params: { pad: 'x'.repeat(100 * 1024) },
    });
    expectTableError(await s.next(), 'INVALID_PARAMS'); // within the limit: read, then refused as params
    const configPath = join(d.dir, 'aistack.config.json');
    writeFileSync(configPath, JSON.stringify({ daemon: { maxLineBytes: 64 * 1024 } }));
    const c = await d.client();
    await c.call('config.reload');
    send(s, {
      jsonrpc: '2.0',
      id: 2,
      method: 'system.ping',
      params: { pad: 'x'.repeat(100 * 1024) },
    });
    expectTableError(await s.next(), 'PAYLOAD_TOO_LARGE');
    await s.closed;
  });
});

describe('a long-lived connection', () => {
  it('holds no more close listeners after 1,000 provider.test and task.run calls than at the start', async () => {
    const { d } = await daemonWithStubs(stubs);
    const c = await connectTo(d, { timeoutMs: 20_000 });
    const session = await openSession(c);
    await c.call('system.ping');
    const before = d.daemon.server!.closeListenerCounts();
    for (let i = 0; i < 500; i++) {
      expect(await c.call('provider.test', { name: 'anthropic' })).toMatchObject({
        provider: 'anthropic',
      });
    }
    for (let i = 0; i < 500; i++) {
      const { task } = await c.call('task.create', { input: `job ${i}`, ...session.creds });
      await c.call('task.run', { taskId: task.id, ...session.creds });
    }
    expect(d.daemon.server!.closeListenerCounts()).toEqual(before);
    expect(d.daemon.dispatcher!.inFlightCount).toBe(0);
    c.close();
    // 1,000 calls take ~25-30 s on a busy 2-core machine (task runs always stream from
    // the provider, for tasks.maxOutputBytes): a bound on a failure, not a sleep.
  }, 90_000);
});
