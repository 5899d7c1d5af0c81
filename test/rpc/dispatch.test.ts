/**
 * Dispatch without a socket: lines in, lines out, through `handleLine` with a stand-in
 * connection. Covers what the dispatcher adds to each call — the RequestContext and
 * its signal — and the result check that the test suite runs with.
 */
import { Writable } from 'node:stream';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { Redactor } from '../../src/config/secrets.js';
import { defineMethod } from '../../src/protocol/method.js';
import type { RequestContext } from '../../src/rpc/context.js';
import { Dispatcher, type ConnectionInfo } from '../../src/rpc/dispatch.js';
import type { AnyHandler } from '../../src/rpc/handler.js';
import type { Services } from '../../src/services/services.js';

const methods = [
  defineMethod({
    name: 'test.count',
    description: 'Answers a count.',
    params: z.strictObject({ n: z.number() }),
    result: z.strictObject({ count: z.number().int().min(0) }),
    access: 'public',
  }),
  defineMethod({
    name: 'test.wait',
    description: 'Waits until the call is aborted.',
    params: z.strictObject({}),
    result: z.strictObject({ aborted: z.literal(true) }),
    access: 'public',
  }),
];

function setup(checkResults: boolean, handlers: Record<string, AnyHandler>) {
  let log = '';
  const logger = pino(
    { level: 'error' },
    new Writable({
      write(chunk, _enc, cb) {
        log += chunk.toString();
        cb();
      },
    }),
  );
  const dispatcher = new Dispatcher({
    methods,
    handlers,
    services: {} as Services,
    logger,
    redactor: new Redactor(),
    checkResults,
  });
  return { dispatcher, log: () => log };
}

function connection(id = 7) {
  const closeListeners: (() => void)[] = [];
  const sent: unknown[] = [];
  const info: ConnectionInfo & { close(): void; sent: unknown[] } = {
    id,
    closed: false,
    sent,
    notify: (method, params) => sent.push({ method, params }) > 0,
    onClose: (l) => closeListeners.push(l),
    close() {
      (this as { closed: boolean }).closed = true;
      closeListeners.forEach((l) => l());
    },
  };
  return info;
}

const call = (method: string, params: unknown, id: number | string = 1) =>
  JSON.stringify({ jsonrpc: '2.0', id, method, params });

describe('dispatch', () => {
  it('with checkResults, answers INTERNAL for a result that does not fit its schema, and logs why', async () => {
    const { dispatcher, log } = setup(true, {
      'test.count': ({ n }) => ({ count: n }),
      'test.wait': () => ({ aborted: true }),
    });
    const ok = JSON.parse(
      (await dispatcher.handleLine(call('test.count', { n: 3 }), connection()))!,
    );
    expect(ok.result).toEqual({ count: 3 });
    const bad = JSON.parse(
      (await dispatcher.handleLine(call('test.count', { n: -1.5 }), connection()))!,
    );
    expect(bad.error).toMatchObject({ code: -32603, data: { code: 'INTERNAL' } });
    expect(bad.error.message).toMatch(/result of test\.count does not match its schema \(at count/);
    expect(log()).toMatch(/does not match its schema/);
    expect(log()).toContain('"path":"count"');
  });

  it('without checkResults, sends the result as the handler made it', async () => {
    const { dispatcher } = setup(false, {
      'test.count': ({ n }) => ({ count: n, extra: true }),
      'test.wait': () => ({ aborted: true }),
    });
    const reply = JSON.parse(
      (await dispatcher.handleLine(call('test.count', { n: -1 }), connection()))!,
    );
    expect(reply.result).toEqual({ count: -1, extra: true });
  });

  it('gives each call its context, whose signal aborts when the connection closes', async () => {
    const seen: RequestContext[] = [];
    const { dispatcher } = setup(true, {
      'test.count': (_p, ctx: RequestContext) => {
        seen.push(ctx);
        ctx.notify('test.note', { hello: 1 });
        return { count: 0 };
      },
      'test.wait': (_p, ctx: RequestContext) =>
        new Promise((resolve) => {
          if (ctx.signal.aborted) resolve({ aborted: true });
          ctx.signal.addEventListener('abort', () => resolve({ aborted: true }), { once: true });
        }),
    });
    const c = connection(42);
    await dispatcher.handleLine(call('test.count', { n: 1 }, 'abc'), c);
    expect(seen[0]).toMatchObject({
      method: 'test.count',
      requestId: 'abc',
      caller: { connection: 42, transport: 'socket' },
      op: { method: 'test.count', connection: 42 },
    });
    expect(seen[0]!.signal.aborted).toBe(false);
    expect(c.sent).toEqual([{ method: 'test.note', params: { hello: 1 } }]);
    const waiting = dispatcher.handleLine(call('test.wait', {}, 2), c);
    await new Promise((r) => setTimeout(r, 10));
    c.close();
    expect(JSON.parse((await waiting)!).result).toEqual({ aborted: true });
    // A call on a connection already closed starts with its signal aborted.
    const late = await dispatcher.handleLine(call('test.wait', {}, 3), c);
    expect(JSON.parse(late!).result).toEqual({ aborted: true });
  });
});
