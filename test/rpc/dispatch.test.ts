/**
 * Dispatch without a socket: each frame kind straight through `handleLine()`, as Hono
 * tests call `app.request()`. The JSON-RPC 2.0 specification's own examples (section 7)
 * run against a table with its methods (subtract, sum, update, get_data, …).
 */
import pino from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { AppError } from '../../src/core/errors.js';
import { Redactor } from '../../src/config/secrets.js';
import { defineMethod, type MethodSpec } from '../../src/protocol/method.js';
import { Dispatcher } from '../../src/rpc/dispatch.js';
import type { ConnectionLimits } from '../../src/rpc/connection-guard.js';
import type { AnyHandler } from '../../src/rpc/handler.js';
import { SCOPE_NAMES, type MethodScope } from '../../src/protocol/scopes.js';
import type { Principal } from '../../src/services/access/tokens.js';
import type { RequestContext } from '../../src/rpc/context.js';
import type { Services } from '../../src/services/services.js';

const pair = z.tuple([z.number(), z.number()]);
const spec = (
  name: string,
  params: z.ZodType,
  result: z.ZodType = z.unknown(),
  scope: MethodScope = 'memory:read',
): MethodSpec => defineMethod({ name, description: name, params, result, access: 'public', scope });

const OWNER: Principal = {
  kind: 'owner',
  name: 'owner',
  scopes: new Set(SCOPE_NAMES),
  fingerprint: 'owner',
};
const READER: Principal = {
  kind: 'token',
  name: 'reader',
  scopes: new Set(['memory:read']),
  fingerprint: 'reader',
};

const SPEC_METHODS: MethodSpec[] = [
  spec(
    'subtract',
    z.union([pair, z.strictObject({ minuend: z.number(), subtrahend: z.number() })]),
    z.number(),
  ),
  spec('sum', z.array(z.number()), z.number()),
  spec('update', z.array(z.number())),
  spec('notify_hello', z.array(z.number())),
  spec('get_data', z.strictObject({}).prefault({}), z.tuple([z.string(), z.number()])),
  spec('store', z.strictObject({ key: z.string() }), z.strictObject({ stored: z.string() })),
  spec('wait', z.strictObject({}).prefault({}), z.unknown()),
  spec('deny', z.strictObject({}).prefault({}), z.unknown()),
  spec('leak', z.strictObject({}).prefault({}), z.unknown()),
  spec('liar', z.strictObject({}).prefault({}), z.strictObject({ ok: z.boolean() })),
  spec('hello', z.strictObject({ token: z.string() }), z.string(), 'none'),
  spec('admin_only', z.strictObject({}).prefault({}), z.string(), 'admin'),
];

function setup(
  options: {
    checkResults?: boolean;
    timeoutMs?: number;
    authenticated?: boolean;
    limits?: Partial<ConnectionLimits>;
  } = {},
) {
  const stored: string[] = [];
  const audits: { event: string; details: Record<string, unknown> }[] = [];
  const waits: { ctx: RequestContext; release: () => void }[] = [];
  const handlers: Record<string, AnyHandler> = {
    subtract: (p: [number, number] | { minuend: number; subtrahend: number }) =>
      Array.isArray(p) ? p[0] - p[1] : p.minuend - p.subtrahend,
    sum: (p: number[]) => p.reduce((a, b) => a + b, 0),
    update: () => null,
    notify_hello: () => null,
    get_data: () => ['hello', 5],
    store: (p: { key: string }) => {
      stored.push(p.key);
      return { stored: p.key };
    },
    wait: (_p, ctx: RequestContext) =>
      new Promise<string>((resolve) => waits.push({ ctx, release: () => resolve('released') })),
    deny: () => {
      throw new AppError('ACCESS_DENIED', 'not yours');
    },
    leak: () => {
      throw new Error('/etc/secret-path exploded with sk-ant-api03-AAAAAAAAAAAAAAAAAAAAAAAA');
    },
    liar: () => ({ ok: 'yes' }),
    hello: (p: { token: string }, ctx: RequestContext) => ctx.login(p.token).name,
    admin_only: () => 'done',
  };
  const revoked = new Set<string>();
  const dispatcher = new Dispatcher({
    methods: SPEC_METHODS,
    handlers,
    services: () => ({}) as Services,
    logger: pino({ level: 'silent' }),
    redactor: new Redactor(),
    audit: () => ({ record: (event, details = {}) => audits.push({ event, details }) }),
    requestTimeoutMs: () => options.timeoutMs ?? 60_000,
    checkResults: options.checkResults ?? true,
    authenticate: (token) => ({ owner: OWNER, reader: READER })[token],
    stillValid: (p) => !revoked.has(p.name),
    ...(options.limits && { limits: options.limits }),
  });
  const notes: unknown[] = [];
  const connection = dispatcher.connect({
    id: 7,
    notify: (method, params) => notes.push({ method, params }) > 0,
  });
  if (options.authenticated !== false) connection.principal = OWNER;
  const send = async (line: string) => {
    const reply = await dispatcher.handleLine(line, connection);
    return reply === null ? null : JSON.parse(reply);
  };
  return { dispatcher, connection, send, stored, audits, waits, notes, revoked };
}

const codeOf = (reply: { error?: { code: number; data?: { code?: string } } }) =>
  reply.error?.data?.code;

afterEach(() => vi.useRealTimers());

describe('the JSON-RPC 2.0 specification, section 7, answered as it says', () => {
  it('rpc call with positional parameters', async () => {
    const { send } = setup();
    expect(
      await send('{"jsonrpc": "2.0", "method": "subtract", "params": [42, 23], "id": 1}'),
    ).toEqual({ jsonrpc: '2.0', result: 19, id: 1 });
    expect(
      await send('{"jsonrpc": "2.0", "method": "subtract", "params": [23, 42], "id": 2}'),
    ).toEqual({ jsonrpc: '2.0', result: -19, id: 2 });
  });

  it('rpc call with named parameters', async () => {
    const { send } = setup();
    expect(
      await send(
        '{"jsonrpc": "2.0", "method": "subtract", "params": {"subtrahend": 23, "minuend": 42}, "id": 3}',
      ),
    ).toEqual({ jsonrpc: '2.0', result: 19, id: 3 });
    expect(
      await send(
        '{"jsonrpc": "2.0", "method": "subtract", "params": {"minuend": 42, "subtrahend": 23}, "id": 4}',
      ),
    ).toEqual({ jsonrpc: '2.0', result: 19, id: 4 });
  });

  it('a notification gets no reply, even for a method that does not exist', async () => {
    const { send } = setup();
    expect(await send('{"jsonrpc": "2.0", "method": "update", "params": [1,2,3,4,5]}')).toBeNull();
    expect(await send('{"jsonrpc": "2.0", "method": "foobar"}')).toBeNull();
  });

  it('rpc call of a non-existent method', async () => {
    const { send } = setup();
    const reply = await send('{"jsonrpc": "2.0", "method": "foobar", "id": "1"}');
    expect(reply).toMatchObject({ jsonrpc: '2.0', error: { code: -32601 }, id: '1' });
    expect(codeOf(reply)).toBe('METHOD_NOT_FOUND');
  });

  it('rpc call with invalid JSON', async () => {
    const { send } = setup();
    const reply = await send('{"jsonrpc": "2.0", "method": "foobar, "params": "bar", "baz]');
    expect(reply).toMatchObject({ jsonrpc: '2.0', error: { code: -32700 }, id: null });
    expect(codeOf(reply)).toBe('PARSE_ERROR');
  });

  it('rpc call with an invalid Request object', async () => {
    const { send } = setup();
    const reply = await send('{"jsonrpc": "2.0", "method": 1, "params": "bar"}');
    expect(reply).toMatchObject({ jsonrpc: '2.0', error: { code: -32600 }, id: null });
    expect(codeOf(reply)).toBe('INVALID_REQUEST');
  });

  it('rpc call batch with invalid JSON', async () => {
    const { send } = setup();
    const reply = await send(
      '[ {"jsonrpc": "2.0", "method": "sum", "params": [1,2,4], "id": "1"}, {"jsonrpc": "2.0", "method" ]',
    );
    expect(reply).toMatchObject({ jsonrpc: '2.0', error: { code: -32700 }, id: null });
  });

  it('rpc call with an empty array', async () => {
    const { send } = setup();
    const reply = await send('[]');
    expect(Array.isArray(reply)).toBe(false);
    expect(reply).toMatchObject({ jsonrpc: '2.0', error: { code: -32600 }, id: null });
  });

  it('rpc call with an invalid batch, but not empty', async () => {
    const { send } = setup();
    const reply = await send('[1]');
    expect(reply).toHaveLength(1);
    expect(reply[0]).toMatchObject({ jsonrpc: '2.0', error: { code: -32600 }, id: null });
  });

  it('rpc call with an invalid batch', async () => {
    const { send } = setup();
    const reply = await send('[1,2,3]');
    expect(reply).toHaveLength(3);
    for (const r of reply)
      expect(r).toMatchObject({
        error: { code: -32600, data: { code: 'INVALID_REQUEST' } },
        id: null,
      });
  });

  it('rpc call batch', async () => {
    const { send } = setup();
    const reply = await send(`[
      {"jsonrpc": "2.0", "method": "sum", "params": [1,2,4], "id": "1"},
      {"jsonrpc": "2.0", "method": "notify_hello", "params": [7]},
      {"jsonrpc": "2.0", "method": "subtract", "params": [42,23], "id": "2"},
      {"foo": "boo"},
      {"jsonrpc": "2.0", "method": "foo.get", "params": {"name": "myself"}, "id": "5"},
      {"jsonrpc": "2.0", "method": "get_data", "id": "9"}
    ]`);
    expect(reply).toHaveLength(5);
    expect(reply).toContainEqual({ jsonrpc: '2.0', result: 7, id: '1' });
    expect(reply).toContainEqual({ jsonrpc: '2.0', result: 19, id: '2' });
    expect(reply).toContainEqual(
      expect.objectContaining({ error: expect.objectContaining({ code: -32600 }), id: null }),
    );
    expect(reply).toContainEqual(
      expect.objectContaining({ error: expect.objectContaining({ code: -32601 }), id: '5' }),
    );
    expect(reply).toContainEqual({ jsonrpc: '2.0', result: ['hello', 5], id: '9' });
  });

  it('rpc call batch of notifications only: nothing at all', async () => {
    const { send } = setup();
    expect(
      await send(
        '[{"jsonrpc": "2.0", "method": "notify_sum", "params": [1,2,4]}, {"jsonrpc": "2.0", "method": "notify_hello", "params": [7]}]',
      ),
    ).toBeNull();
  });
});

describe('every frame is answered, and every error reply carries data.code', () => {
  it('a batch [null, valid store] runs the store, answers it, and answers null with -32600', async () => {
    const { send, stored } = setup();
    const reply = await send(
      '[null, {"jsonrpc":"2.0","method":"store","params":{"key":"k"},"id":11}]',
    );
    expect(stored).toEqual(['k']);
    expect(reply).toEqual([
      expect.objectContaining({ id: null, error: expect.objectContaining({ code: -32600 }) }),
      { jsonrpc: '2.0', id: 11, result: { stored: 'k' } },
    ]);
  });

  it.each([
    ['an object id', '{"jsonrpc":"2.0","method":"sum","params":[1],"id":{"a":1}}'],
    ['an array id', '{"jsonrpc":"2.0","method":"sum","params":[1],"id":[1]}'],
    ['a boolean id', '{"jsonrpc":"2.0","method":"sum","params":[1],"id":true}'],
    ['a missing jsonrpc', '{"method":"sum","params":[1],"id":1}'],
    ['jsonrpc 1.0', '{"jsonrpc":"1.0","method":"sum","params":[1],"id":1}'],
    ['string params', '{"jsonrpc":"2.0","method":"sum","params":"1","id":1}'],
    ['null params', '{"jsonrpc":"2.0","method":"sum","params":null,"id":1}'],
    ['a bare string', '"hello"'],
    ['a number', '42'],
    ['null', 'null'],
  ])('%s is an invalid request, answered with id null', async (_what, line) => {
    const { send } = setup();
    const reply = await send(line);
    expect(reply).toMatchObject({
      id: null,
      error: { code: -32600, data: { code: 'INVALID_REQUEST' } },
    });
  });

  it('an id null request is answered with id null', async () => {
    const { send } = setup();
    expect(await send('{"jsonrpc":"2.0","method":"sum","params":[2,3],"id":null}')).toEqual({
      jsonrpc: '2.0',
      id: null,
      result: 5,
    });
  });

  it('invalid params list each field in data.issues', async () => {
    const { send } = setup();
    const reply = await send(
      '{"jsonrpc":"2.0","method":"store","params":{"key":5,"extra":1},"id":1}',
    );
    expect(reply.error).toMatchObject({ code: -32602, data: { code: 'INVALID_PARAMS' } });
    expect(reply.error.data.issues.map((i: { path: string }) => i.path)).toContain('key');
  });

  it('an AppError keeps its code; anything else is INTERNAL with no stack, path or secret', async () => {
    const { send } = setup();
    const denied = await send('{"jsonrpc":"2.0","method":"deny","id":1}');
    expect(denied.error).toEqual({
      code: -32001,
      message: 'not yours',
      data: { code: 'ACCESS_DENIED' },
    });
    const leak = await send('{"jsonrpc":"2.0","method":"leak","id":2}');
    expect(leak.error).toEqual({
      code: -32603,
      message: 'internal error (see the daemon log)',
      data: { code: 'INTERNAL' },
    });
  });

  it('a result that breaks its declared schema is INTERNAL when results are checked', async () => {
    expect((await setup().send('{"jsonrpc":"2.0","method":"liar","id":1}')).error.data.code).toBe(
      'INTERNAL',
    );
    expect(
      (await setup({ checkResults: false }).send('{"jsonrpc":"2.0","method":"liar","id":1}'))
        .result,
    ).toEqual({
      ok: 'yes',
    });
  });

  it('counts each kind of error under its own bucket and audits the ones the table names', async () => {
    const { send, dispatcher, audits } = setup();
    await send('not json');
    await send('[]');
    await send('{"jsonrpc":"2.0","method":1}');
    await send('{"jsonrpc":"2.0","method":"nope","id":1}');
    await send('{"jsonrpc":"2.0","method":"store","params":{},"id":2}');
    await send('{"jsonrpc":"2.0","method":"deny","id":3}');
    dispatcher.refusalLine('PAYLOAD_TOO_LARGE', 'too big', 7);
    const { byMethod, total } = dispatcher.metrics.snapshot();
    expect(byMethod['(parse error)']).toEqual({ requests: 1, errors: 1 });
    expect(byMethod['(invalid request)']).toEqual({ requests: 2, errors: 2 });
    expect(byMethod['(unknown method)']).toEqual({ requests: 1, errors: 1 });
    expect(byMethod['(oversized line)']).toEqual({ requests: 1, errors: 1 });
    expect(byMethod.store).toEqual({ requests: 1, errors: 1 });
    expect(total.errors).toBe(7);
    expect(audits.map((a) => a.details.code)).toEqual([
      'PARSE_ERROR',
      'INVALID_REQUEST',
      'INVALID_REQUEST',
      'METHOD_NOT_FOUND',
      'INVALID_PARAMS',
      'PAYLOAD_TOO_LARGE',
    ]); // ACCESS_DENIED is audited by access control, with its details
    expect(audits.every((a) => a.event === 'request.refused' && a.details.connection === 7)).toBe(
      true,
    );
  });

  it('a huge unknown method name is clipped in the audit record and shares one metric bucket', async () => {
    const { send, dispatcher, audits } = setup();
    const name = 'x'.repeat(100_000);
    await send(JSON.stringify({ jsonrpc: '2.0', method: name, id: 1 }));
    await send(JSON.stringify({ jsonrpc: '2.0', method: name + 'y', id: 2 }));
    expect(JSON.stringify(audits).length).toBeLessThan(2000);
    expect(Object.keys(dispatcher.metrics.snapshot().byMethod)).toEqual(['(unknown method)']);
  });
});

describe('the per-request context', () => {
  it('aborts the signal when the connection closes, and forgets the request', async () => {
    const { dispatcher, connection, waits } = setup();
    const pending = dispatcher.handleLine('{"jsonrpc":"2.0","method":"wait","id":1}', connection);
    await vi.waitFor(() => expect(waits).toHaveLength(1));
    const { ctx } = waits[0]!;
    expect(ctx).toMatchObject({ method: 'wait', requestId: 1, caller: { connection: 7 } });
    expect(ctx.signal.aborted).toBe(false);
    dispatcher.disconnect(connection);
    expect(ctx.signal.aborted).toBe(true);
    await pending;
    expect(connection.inFlight.size).toBe(0);
  });

  it('answers TIMEOUT and aborts the signal when a call outlives its limit', async () => {
    vi.useFakeTimers();
    const { dispatcher, connection, waits } = setup({ timeoutMs: 5_000 });
    const pending = dispatcher.handleLine('{"jsonrpc":"2.0","method":"wait","id":1}', connection);
    await vi.waitFor(() => expect(waits).toHaveLength(1));
    await vi.advanceTimersByTimeAsync(5_001);
    const reply = JSON.parse((await pending)!);
    expect(reply.error).toMatchObject({ code: -32010, data: { code: 'TIMEOUT' } });
    expect(waits[0]!.ctx.signal.aborted).toBe(true);
    expect(connection.inFlight.size).toBe(0);
  });

  it('notify reaches the calling connection only while it is open', async () => {
    const { dispatcher, connection, waits, notes } = setup();
    void dispatcher.handleLine('{"jsonrpc":"2.0","method":"wait","id":1}', connection);
    await vi.waitFor(() => expect(waits).toHaveLength(1));
    expect(waits[0]!.ctx.notify('progress', { done: 1 })).toBe(true);
    dispatcher.disconnect(connection);
    expect(waits[0]!.ctx.notify('progress', { done: 2 })).toBe(false);
    expect(notes).toEqual([{ method: 'progress', params: { done: 1 } }]);
  });

  it('a thousand calls on one connection leave nothing behind', async () => {
    const { dispatcher, connection, waits } = setup();
    for (let i = 0; i < 1000; i++) {
      const pending = dispatcher.handleLine(
        `{"jsonrpc":"2.0","method":"wait","id":${i}}`,
        connection,
      );
      while (waits.length <= i) await new Promise((r) => setImmediate(r));
      waits[i]!.release();
      expect(JSON.parse((await pending)!).result).toBe('released');
    }
    expect(connection.inFlight.size).toBe(0);
  });
});

describe('connection limits', () => {
  it('a batch longer than maxBatchLength gets one INVALID_REQUEST and none of it runs', async () => {
    const { send, stored } = setup({ limits: { maxBatchLength: 2 } });
    const store = (key: string) => ({ jsonrpc: '2.0', id: key, method: 'store', params: { key } });
    const reply = await send(JSON.stringify([store('a'), store('b'), store('c')]));
    expect(reply).toMatchObject({
      id: null,
      error: { code: -32600, data: { code: 'INVALID_REQUEST', maxBatchLength: 2, length: 3 } },
    });
    expect(stored).toEqual([]);
    expect(await send(JSON.stringify([store('a'), store('b')]))).toHaveLength(2);
  });

  it('pace() holds a connection at its cap (a batch counts as its length) and frees it after', async () => {
    const { dispatcher, connection, waits } = setup({ limits: { maxInFlightPerConnection: 3 } });
    const wait = (id: number) => ({ jsonrpc: '2.0', id, method: 'wait' });
    const first = dispatcher.handleLine(JSON.stringify(wait(1)), connection);
    expect(dispatcher.guard.pace(connection)).toBe(0);
    const batch = dispatcher.handleLine(JSON.stringify([wait(2), wait(3)]), connection);
    expect(dispatcher.guard.pace(connection)).toBe(Infinity);
    await vi.waitFor(() => expect(waits).toHaveLength(3));
    waits.forEach((w) => w.release());
    await Promise.all([first, batch]);
    expect(connection.weight).toBe(0);
    expect(dispatcher.guard.pace(connection)).toBe(0);
  });

  it('a connection past refusalCloseAfter gets its last line once, and one summary record', async () => {
    const limits = { refusalSlowAfter: 2, refusalCloseAfter: 4, refusalDelayStepMs: 0 };
    const { dispatcher, connection, send, audits } = setup({ limits });
    for (let i = 0; i < 4; i++) await send('nope');
    expect(dispatcher.guard.pace(connection)).toBe(Infinity);
    const last = JSON.parse(dispatcher.guard.lastWords(connection)!);
    expect(last).toMatchObject({
      id: null,
      error: {
        data: { code: 'CONNECTION_CLOSED', reason: 'refusals', counts: { PARSE_ERROR: 4 } },
      },
    });
    expect(dispatcher.guard.lastWords(connection)).toBe(JSON.stringify(last));
    dispatcher.disconnect(connection);
    expect(audits.filter((a) => a.event === 'request.refused')).toHaveLength(2);
    expect(audits.filter((a) => a.event === 'connection.refusals')).toEqual([
      expect.objectContaining({
        details: expect.objectContaining({ total: 4, notAuditedSeparately: 2, closed: true }),
      }),
    ]);
  });
});

describe('shutdown', () => {
  it('answers new requests SHUTTING_DOWN while requests in flight finish, then aborts the rest', async () => {
    const { dispatcher, connection, waits, send } = setup();
    const first = dispatcher.handleLine('{"jsonrpc":"2.0","method":"wait","id":1}', connection);
    const second = dispatcher.handleLine('{"jsonrpc":"2.0","method":"wait","id":2}', connection);
    await vi.waitFor(() => expect(waits).toHaveLength(2));
    dispatcher.beginShutdown();
    const late = await send('{"jsonrpc":"2.0","method":"sum","params":[1],"id":3}');
    expect(late.error).toMatchObject({ code: -32011, data: { code: 'SHUTTING_DOWN' } });
    waits[0]!.release();
    expect(JSON.parse((await first)!).result).toBe('released');
    dispatcher.abortAll();
    expect(JSON.parse((await second)!).error.data.code).toBe('SHUTTING_DOWN');
  });
});

describe('authentication and scopes', () => {
  it('a connection that has not authenticated can do nothing but authenticate', async () => {
    const { send, stored, audits } = setup({ authenticated: false });
    for (const method of ['sum', 'store', 'admin_only', 'no.such.method']) {
      const reply = await send(
        JSON.stringify({ jsonrpc: '2.0', id: 1, method, params: { key: 'k' } }),
      );
      expect(reply.error, method).toMatchObject({
        code: -32012,
        data: { code: 'UNAUTHENTICATED' },
      });
      expect(reply.error.message).toMatch(/auth\.hello/);
    }
    expect(stored).toEqual([]);
    expect(audits.filter((a) => a.details.code === 'UNAUTHENTICATED')).toHaveLength(4);
    const bad = await send('{"jsonrpc":"2.0","id":2,"method":"hello","params":{"token":"guess"}}');
    expect(bad.error.data.code).toBe('UNAUTHENTICATED');
    expect(
      (await send('{"jsonrpc":"2.0","id":3,"method":"sum","params":[1]}')).error.data.code,
    ).toBe('UNAUTHENTICATED');
    expect(
      await send('{"jsonrpc":"2.0","id":4,"method":"hello","params":{"token":"owner"}}'),
    ).toEqual({
      jsonrpc: '2.0',
      id: 4,
      result: 'owner',
    });
    expect((await send('{"jsonrpc":"2.0","id":5,"method":"sum","params":[1,2]}')).result).toBe(3);
  });

  it("a token without a method's scope is FORBIDDEN, audited, and nothing runs", async () => {
    const { send, audits } = setup({ authenticated: false });
    await send('{"jsonrpc":"2.0","id":1,"method":"hello","params":{"token":"reader"}}');
    expect((await send('{"jsonrpc":"2.0","id":2,"method":"sum","params":[1,2]}')).result).toBe(3);
    const denied = await send('{"jsonrpc":"2.0","id":3,"method":"admin_only"}');
    expect(denied.error).toMatchObject({ code: -32013, data: { code: 'FORBIDDEN' } });
    expect(denied.error.message).toMatch(/needs the admin scope/);
    expect(audits.at(-1)?.details).toMatchObject({ code: 'FORBIDDEN', method: 'admin_only' });
  });

  it('a token revoked after its hello loses its authority on the open connection', async () => {
    const { send, revoked } = setup({ authenticated: false });
    await send('{"jsonrpc":"2.0","id":1,"method":"hello","params":{"token":"reader"}}');
    expect((await send('{"jsonrpc":"2.0","id":2,"method":"sum","params":[1]}')).result).toBe(1);
    revoked.add('reader');
    expect(
      (await send('{"jsonrpc":"2.0","id":3,"method":"sum","params":[1]}')).error.data.code,
    ).toBe('UNAUTHENTICATED');
  });
});
