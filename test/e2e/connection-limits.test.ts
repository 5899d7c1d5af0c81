/**
 * No connection can take the daemon from the others, tried as an attacker would through
 * the real socket: idle connections that fill the cap, a line left half-sent (or
 * trickled a byte at a time), a batch past the maximum, a flood of refused lines, and a
 * connection at its in-flight cap — while other clients keep being served.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { auditRecords } from '../helpers/audit.js';
import { cleanupAll, ownerToken, startDaemon } from '../helpers/daemon.js';
import { rawSocket, type RawSocket } from '../helpers/raw-socket.js';
import { track, waitFor } from '../helpers/wait.js';

afterEach(cleanupAll);

type ErrorLine = {
  id: unknown;
  error: { code: number; message: string; data: Record<string, unknown> & { code: string } };
};

const line = (message: unknown) => JSON.stringify(message) + '\n';
const ping = (id: unknown, params: Record<string, unknown> = {}) =>
  line({ jsonrpc: '2.0', id, method: 'system.ping', params });

/** Reads lines until the connection closes; resolves with all of them. */
async function readToClose(s: RawSocket): Promise<unknown[]> {
  const lines: unknown[] = [];
  for (;;) {
    try {
      lines.push(await s.next(30_000));
    } catch {
      return lines;
    }
  }
}

describe('idle connections', () => {
  it('300 idle connections: the cap refuses the excess, the idle timeout closes the rest with a last line, and new clients get in', async () => {
    const idleTimeoutMs = 4_000;
    const d = await startDaemon({ config: { daemon: { idleTimeoutMs } } });
    const sockets = await Promise.all(Array.from({ length: 300 }, () => rawSocket(d.socketPath)));
    const ends = sockets.map((s) => readToClose(s));
    const lasts = (await Promise.all(ends)).map((lines) => lines.at(-1) as ErrorLine);
    const codes = lasts.map((l) => l.error.data.code);
    expect(codes.filter((c) => c === 'BUSY')).toHaveLength(300 - 256);
    const idle = lasts.filter((l) => l.error.data.code === 'CONNECTION_CLOSED');
    expect(idle).toHaveLength(256);
    for (const l of idle) {
      expect(l.id).toBeNull();
      expect(l.error.code).toBe(-32014);
      expect(l.error.data).toMatchObject({ reason: 'idle', idleTimeoutMs });
      expect(l.error.message).toMatch(/idle/);
    }
    await waitFor(() => d.daemon.server!.connectionCount === 0, 'every idle connection closed');
    const c = await d.client();
    expect(await c.call('system.ping')).toMatchObject({ pong: true });
    const status = await c.call('system.status');
    expect(status.connections.current).toBe(1);
  });

  it('a connection with a call in flight is not idle: a call longer than the idle timeout is answered', async () => {
    const d = await startDaemon({ config: { daemon: { idleTimeoutMs: 200 } } });
    const s = await rawSocket(d.socketPath, ownerToken(d));
    s.send(ping(1, { delayMs: 1_500 }));
    expect(await s.next()).toMatchObject({ id: 1, result: { pong: true } });
    const last = (await s.next()) as ErrorLine;
    expect(last.error.data).toMatchObject({ code: 'CONNECTION_CLOSED', reason: 'idle' });
    await s.closed;
  });
});

describe('half-sent lines', () => {
  it('a line left unfinished is closed after the partial-line timeout, with its last line, and audited', async () => {
    const partialLineTimeoutMs = 300;
    const d = await startDaemon({ config: { daemon: { partialLineTimeoutMs } } });
    const s = await rawSocket(d.socketPath, ownerToken(d));
    s.send('{"jsonrpc":"2.0","id":1,"method":"system.pi');
    const last = (await s.next()) as ErrorLine;
    expect(last).toMatchObject({
      id: null,
      error: {
        code: -32014,
        data: { code: 'CONNECTION_CLOSED', reason: 'partial-line', partialLineTimeoutMs },
      },
    });
    await s.closed;
    await waitFor(
      () => auditRecords(d).some((r) => r.event === 'connection.closed'),
      'the half-sent close in the audit log',
    );
    expect(auditRecords(d).find((r) => r.event === 'connection.closed')).toMatchObject({
      reason: 'partial-line',
    });
  });

  it('trickling a line a byte at a time does not keep it alive: the timeout counts from its first byte', async () => {
    const d = await startDaemon({ config: { daemon: { partialLineTimeoutMs: 400 } } });
    const s = await rawSocket(d.socketPath, ownerToken(d));
    const started = Date.now();
    const trickle = setInterval(() => {
      if (!s.socket.destroyed) s.send('x');
    }, 40);
    try {
      const last = (await s.next()) as ErrorLine;
      expect(last.error.data).toMatchObject({ reason: 'partial-line' });
      expect(Date.now() - started).toBeGreaterThanOrEqual(400);
    } finally {
      clearInterval(trickle);
    }
  });
});

describe('batches', () => {
  it('a batch over daemon.maxBatchLength gets one clear error and none of it runs', async () => {
    const d = await startDaemon({ config: { daemon: { maxBatchLength: 10 } } });
    const c = await d.client();
    const { session } = await c.call('session.start', {});
    const creds = { sessionId: session.id, sessionToken: session.token };
    const s = await rawSocket(d.socketPath, ownerToken(d));
    const store = (i: number) => ({
      jsonrpc: '2.0',
      id: i,
      method: 'memory.store',
      params: { key: `k${i}`, content: 'x', namespace: 'team', ...creds },
    });
    s.send(line(Array.from({ length: 11 }, (_, i) => store(i))));
    const reply = (await s.next()) as ErrorLine;
    expect(Array.isArray(reply)).toBe(false);
    expect(reply).toMatchObject({
      id: null,
      error: {
        code: -32600,
        data: { code: 'INVALID_REQUEST', maxBatchLength: 10, length: 11 },
      },
    });
    expect(reply.error.message).toMatch(/11 .*maximum of 10/);
    expect((await c.call('memory.list', { namespace: 'team' })).entries).toEqual([]);

    s.send(line(Array.from({ length: 10 }, (_, i) => store(i))));
    expect(await s.next()).toHaveLength(10);
    expect((await c.call('memory.list', { namespace: 'team' })).entries).toHaveLength(10);
  });
});

describe('a connection that keeps being refused', () => {
  it('150 bad lines: refused, slowed past the threshold, closed with a last line, audited once', async () => {
    const limits = { refusalSlowAfter: 10, refusalCloseAfter: 50, refusalDelayStepMs: 2 };
    const d = await startDaemon({ config: { daemon: limits } });
    const other = await d.client();
    const s = await rawSocket(d.socketPath, ownerToken(d));
    const started = Date.now();
    s.send('not json\n'.repeat(150));
    const flood = readToClose(s);
    const flooding = track(flood);
    // While the flood is being slowed (for 1.6 s at least), another client is served.
    await other.call('system.ping');
    expect(flooding.settled).toBe(false);

    const lines = (await flood) as ErrorLine[];
    const elapsed = Date.now() - started;
    expect(lines).toHaveLength(51);
    for (const l of lines.slice(0, 50)) expect(l.error.data.code).toBe('PARSE_ERROR');
    const last = lines[50]!;
    expect(last).toMatchObject({
      id: null,
      error: {
        code: -32014,
        data: { code: 'CONNECTION_CLOSED', reason: 'refusals', counts: { PARSE_ERROR: 50 } },
      },
    });
    // Slowed: each refusal past the 10th delayed the next line by 2 ms more.
    const slowedAtLeast = 2 * ((40 * 39) / 2);
    expect(elapsed).toBeGreaterThanOrEqual(slowedAtLeast);

    await waitFor(
      () => auditRecords(d).some((r) => r.event === 'connection.refusals'),
      'the refusal summary in the audit log',
    );
    const records = auditRecords(d);
    const summaries = records.filter((r) => r.event === 'connection.refusals');
    expect(summaries).toHaveLength(1);
    expect(summaries[0]).toMatchObject({
      counts: { PARSE_ERROR: 50 },
      total: 50,
      notAuditedSeparately: 40,
      slowed: true,
      closed: true,
    });
    expect(await other.call('system.ping')).toMatchObject({ pong: true });
    // The 10 audited one by one are identical, so the audit log aggregates them too: the
    // first at once, the rest as one counted record when the daemon stops.
    await d.stop();
    const oneByOne = auditRecords(d).filter(
      (r) => r.event === 'request.refused' && r.code === 'PARSE_ERROR',
    );
    expect(oneByOne.length).toBeLessThanOrEqual(2);
    expect(oneByOne.reduce((n, r) => n + ((r.count as number | undefined) ?? 1), 0)).toBe(10);
  });
});

describe('requests in flight per connection', () => {
  it('a connection at its cap waits (nothing lost) while another connection is served', async () => {
    const d = await startDaemon({ config: { daemon: { maxInFlightPerConnection: 2 } } });
    const a = await rawSocket(d.socketPath, ownerToken(d));
    const b = await rawSocket(d.socketPath, ownerToken(d));
    a.send(ping('slow-1', { delayMs: 1_500 }) + ping('slow-2', { delayMs: 1_500 }) + ping('held'));
    const firstReply = a.next();
    const first = track(firstReply);
    await waitFor(() => d.daemon.dispatcher!.inFlightCount === 2, 'both slow pings running');
    b.send(ping('b'));
    expect(await b.next()).toMatchObject({ id: 'b', result: { pong: true } });
    expect(first.settled).toBe(false);
    const replies = [await firstReply, await a.next(), await a.next()] as { id: string }[];
    // Without the cap, `held` would have been answered first; it waited for a slot.
    expect(replies[0]!.id).not.toBe('held');
    expect(replies.map((r) => r.id).sort()).toEqual(['held', 'slow-1', 'slow-2']);
  });
});
