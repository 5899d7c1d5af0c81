import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { RpcError } from '../../src/clients/client.js';
import { cleanupAll, startDaemon } from '../helpers/daemon.js';
import {
  startAnthropicStub,
  startOllamaStub,
  type ProviderStub,
} from '../helpers/provider-stubs.js';

let stubs: ProviderStub[] = [];
afterEach(async () => {
  await cleanupAll();
  await Promise.all(stubs.map((s) => s.stop()));
  stubs = [];
});

describe('provider methods over the socket', () => {
  it('lists providers by fingerprint and tests one, the key never on the wire or in logs', async () => {
    const anthropic = await startAnthropicStub();
    const ollama = await startOllamaStub();
    stubs.push(anthropic, ollama);
    const key = `sk-ant-api03-${randomBytes(24).toString('base64url')}`;
    const d = await startDaemon({
      config: {
        providers: {
          anthropic: {
            apiKey: '${ANTHROPIC_API_KEY}',
            baseURL: anthropic.baseURL,
            timeoutMs: 2000,
            maxRetries: 0,
          },
          ollama: { baseURL: ollama.baseURL, model: 'tiny' },
        },
      },
      env: { ANTHROPIC_API_KEY: key },
    });
    const c = await d.client();
    const list = await c.call('provider.list');
    expect(list.defaultProvider).toBe('anthropic');
    expect(list.providers.map((p) => [p.name, p.hasKey])).toEqual([
      ['anthropic', true],
      ['ollama', false],
    ]);
    ollama.replyText = 'pong';
    const tested = await c.call('provider.test', { name: 'ollama' });
    expect(tested).toMatchObject({ provider: 'ollama', model: 'tiny', reply: 'pong' });
    anthropic.mode = 'unauthorized';
    const err = await c.call('provider.test', { name: 'anthropic' }).catch((e: RpcError) => e);
    expect(err).toBeInstanceOf(RpcError);
    expect((err as RpcError).code).toBe('PROVIDER_FAILURE');
    expect((err as RpcError).data).toMatchObject({
      provider: 'anthropic',
      status: 401,
      reason: 'auth',
    });
    expect(anthropic.keyOf(anthropic.requests[0]!)).toBe(key);
    const bad = await c.call('provider.test', { name: 'nope' } as never).catch((e: RpcError) => e);
    expect((bad as RpcError).code).toBe('INVALID_PARAMS');
    const wire = JSON.stringify([list, tested, (err as RpcError).message, (err as RpcError).data]);
    expect(wire).not.toContain(key);
    expect(d.logs()).not.toContain(key);
    console.log((err as RpcError).message);
  });
});
