import { createHash, randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Redactor } from '../../src/config/secrets.js';
import { AppError } from '../../src/core/errors.js';
import { AnthropicProvider } from '../../src/services/providers/anthropic.js';
import { fingerprint, shortFingerprint } from '../../src/services/providers/key-fingerprint.js';
import { OllamaProvider } from '../../src/services/providers/ollama.js';
import { OpenAIProvider } from '../../src/services/providers/openai.js';
import type { ProviderName } from '../../src/protocol/provider.js';
import type {
  Provider,
  ProviderDeps,
  ProviderSettings,
} from '../../src/services/providers/provider.js';
import { ProviderRegistry, TEST_PROMPT } from '../../src/services/providers/registry.js';
import { backoffMs, retryAfterMs } from '../../src/services/providers/retrying-fetch.js';
import {
  cosineSimilarity,
  hashedEmbedding,
  startAnthropicStub,
  startOllamaStub,
  startOpenAIStub,
  type ProviderStub,
} from '../helpers/provider-stubs.js';
import { waitFor } from '../helpers/wait.js';

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const random30 = () => [...randomBytes(30)].map((b) => ALNUM[b % ALNUM.length]).join('');
const KEYS: Record<ProviderName, string> = {
  anthropic: `sk-ant-api03-${random30()}`,
  openai: `sk-proj-${random30()}`,
  ollama: `olk-${random30()}`,
};

/** Scrubs nothing: proves messages are clean by construction, not only by the last net. */
class PassThroughRedactor extends Redactor {
  override scrubText(text: string): string {
    return text;
  }
}

const BUILD = {
  anthropic: (s: ProviderSettings, d: ProviderDeps) => new AnthropicProvider(s, d),
  openai: (s: ProviderSettings, d: ProviderDeps) => new OpenAIProvider(s, d),
  ollama: (s: ProviderSettings, d: ProviderDeps) => new OllamaProvider(s, d),
};
const START = { anthropic: startAnthropicStub, openai: startOpenAIStub, ollama: startOllamaStub };
const CHAT_PATH = {
  anthropic: '/v1/messages',
  openai: '/v1/chat/completions',
  ollama: '/api/chat',
};

let stubs: ProviderStub[] = [];
afterEach(async () => {
  await Promise.all(stubs.map((s) => s.stop()));
  stubs = [];
});
async function start(name: ProviderName): Promise<ProviderStub> {
  const stub = await START[name]();
  stubs.push(stub);
  return stub;
}

function build(
  name: ProviderName,
  stub: { baseURL: string },
  settings: Partial<ProviderSettings> = {},
  deps: Partial<ProviderDeps> = {},
): Provider {
  return BUILD[name](
    { apiKey: KEYS[name], baseURL: stub.baseURL, timeoutMs: 5_000, maxRetries: 2, ...settings },
    { redactor: new PassThroughRedactor(), ...deps },
  );
}

/** Awaits a PROVIDER_FAILURE and checks that no key appears in what would go on the wire. */
async function failure(
  promise: Promise<unknown>,
): Promise<AppError & { data: Record<string, unknown> }> {
  const err = await promise.then(
    () => expect.fail('expected a PROVIDER_FAILURE'),
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(AppError);
  const app = err as AppError & { data: Record<string, unknown> };
  expect(app.code).toBe('PROVIDER_FAILURE');
  const wire = JSON.stringify({ ...app, message: app.message, data: app.data });
  for (const key of Object.values(KEYS)) expect(wire).not.toContain(key);
  expect(wire).not.toMatch(/authorization|x-api-key|\n\s+at /i);
  return app;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  await new Promise((r) => server.close(r));
  return port;
}

const hello = [{ role: 'user' as const, content: 'Say hello to the tests' }];

describe.each(['anthropic', 'openai', 'ollama'] as const)('%s provider', (name) => {
  let stub: ProviderStub;
  beforeEach(async () => {
    stub = await start(name);
  });

  it('answers a chat, passing the configured key through unchanged', async () => {
    const result = await build(name, stub).chat({
      system: 'Be brief.',
      messages: hello,
      maxTokens: 50,
    });
    expect(result).toMatchObject({
      text: 'Hello from the stub server.',
      usage: { inputTokens: 7, outputTokens: 5 },
    });
    expect(result.model).toBeTruthy();
    expect(stub.requests).toHaveLength(1);
    const req = stub.requests[0]!;
    expect(req.path).toBe(CHAT_PATH[name]);
    expect(stub.keyOf(req)).toBe(KEYS[name]);
    expect(JSON.stringify(req.body)).toContain('Be brief.');
    if (name === 'ollama')
      expect(req.body).toMatchObject({ stream: false, options: { num_predict: 50 } });
  });

  it('streams text deltas to onText that join to the full text, with usage', async () => {
    stub.replyText = 'One two three four five six.';
    const seen: string[] = [];
    const result = await build(name, stub).chat({ messages: hello, onText: (d) => seen.push(d) });
    expect(seen.length).toBeGreaterThan(1);
    expect(seen.join('')).toBe('One two three four five six.');
    expect(result.text).toBe(seen.join(''));
    expect(result.usage).toEqual({ inputTokens: 5, outputTokens: 6 });
    expect(result.stopReason).toBeTruthy();
    expect(stub.requests[0]!.body).toMatchObject({ stream: true });
    if (name === 'openai') {
      expect(stub.requests[0]!.body).toMatchObject({ stream_options: { include_usage: true } });
    }
  });

  it('passes an error thrown by onText through unchanged', async () => {
    const boom = new Error('listener gone');
    const err = await build(name, stub)
      .chat({
        messages: hello,
        onText: () => {
          throw boom;
        },
      })
      .catch((e: unknown) => e);
    expect(err).toBe(boom);
  });

  it('reports a refused key (401) as PROVIDER_FAILURE asking to check the key', async () => {
    stub.mode = 'unauthorized';
    const err = await failure(build(name, stub).chat({ messages: hello }));
    expect(err.message).toContain(`check the API key for ${name}`);
    expect(err.message).toContain('HTTP 401');
    expect(err.data).toMatchObject({ provider: name, status: 401, reason: 'auth' });
    expect(stub.requests).toHaveLength(1); // a refused key is not retried
  });

  it('retries a 429 and then succeeds', async () => {
    stub.mode = 'rate-limit-once';
    const result = await build(name, stub).chat({ messages: hello });
    expect(result.text).toBe('Hello from the stub server.');
    expect(stub.requests).toHaveLength(2);
  });

  it('gives up on a 500 after maxRetries + 1 requests', async () => {
    stub.mode = 'server-error';
    const err = await failure(build(name, stub, { maxRetries: 2 }).chat({ messages: hello }));
    expect(stub.requests).toHaveLength(3);
    expect(err.message).toMatch(/provider error \(HTTP 500\) after 2 retries/);
    expect(err.data).toMatchObject({ provider: name, status: 500, reason: 'provider_error' });
  });

  it('says when rate limiting outlasts the retries', async () => {
    const p = build(name, stub, { maxRetries: 0 });
    stub.mode = 'rate-limit-once';
    const err = await failure(p.chat({ messages: hello }));
    expect(err.message).toContain('rate limited');
    expect(err.data).toMatchObject({ status: 429, reason: 'rate_limited' });
  });

  it('times out on a server that never answers, within about timeoutMs', async () => {
    stub.mode = 'hang';
    const started = performance.now();
    const err = await failure(
      build(name, stub, { timeoutMs: 300, maxRetries: 0 }).chat({ messages: hello }),
    );
    const elapsed = performance.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(280);
    // Ended by the 300 ms timeout, with no retry and not by the SDK's own (minutes long)
    // timeout; the margin is for a busy machine's event loop, not for the provider.
    expect(elapsed).toBeLessThan(5_000);
    expect(err.message).toContain('no answer within 300 ms');
    expect(err.message).toContain(`providers.${name}.baseURL`);
    expect(err.data).toMatchObject({ provider: name, reason: 'timeout' });
  });

  it('stops when the caller aborts', async () => {
    stub.mode = 'hang';
    const controller = new AbortController();
    const chat = failure(build(name, stub).chat({ messages: hello, signal: controller.signal }));
    // Abort once the request is in flight (the stub has it), not after a guessed delay.
    await waitFor(() => stub.requests.length === 1, 'the stub to receive the request');
    controller.abort();
    const err = await chat;
    expect(err.data).toMatchObject({ reason: 'cancelled' });
  });

  it.each([false, true])('reports a malformed body clearly (streaming: %s)', async (streaming) => {
    stub.mode = 'malformed';
    const onText = streaming ? () => {} : undefined;
    const err = await failure(build(name, stub).chat({ messages: hello, onText }));
    expect(err.message).toContain(`${name} returned an unexpected response body`);
    expect(err.data).toMatchObject({ provider: name, reason: 'bad_response' });
  });

  it.each([false, true])(
    'reports a wrong-shaped or cut-off answer (streaming: %s)',
    async (streaming) => {
      stub.mode = 'wrong-shape';
      const onText = streaming ? () => {} : undefined;
      const err = await failure(build(name, stub).chat({ messages: hello, onText }));
      expect(err.message).toContain('unexpected response body');
      expect(err.data).toMatchObject({ reason: 'bad_response' });
    },
  );

  it('says which address it cannot reach', async () => {
    const baseURL = `http://127.0.0.1:${await freePort()}`;
    const p = build(name, { baseURL }, { maxRetries: 0 });
    const err = await failure(p.chat({ messages: hello }));
    expect(err.message).toContain(`cannot reach ${name} at ${baseURL}`);
    expect(err.message).toContain('ECONNREFUSED');
    expect(err.data).toMatchObject({ reason: 'unreachable' });
  });
});

describe.each(['openai', 'ollama'] as const)('%s embeddings', (name) => {
  let stub: ProviderStub;
  beforeEach(async () => {
    stub = await start(name);
  });
  const texts = ['the cat sat on the mat', 'a cat sat on a mat', 'quarterly tax filing deadline'];

  it('returns one Float32Array per text, in input order', async () => {
    const result = await build(name, stub).embed!(texts);
    expect(result.dimensions).toBe(64);
    expect(result.vectors).toHaveLength(3);
    result.vectors.forEach((v, i) => {
      expect(v).toBeInstanceOf(Float32Array);
      expect(v).toHaveLength(64);
      expect(cosineSimilarity(v, hashedEmbedding(texts[i]!))).toBeCloseTo(1, 5);
    });
    const [cat, cat2, tax] = result.vectors as [Float32Array, Float32Array, Float32Array];
    expect(cosineSimilarity(cat, cat2)).toBeGreaterThan(cosineSimilarity(cat, tax));
    expect(stub.keyOf(stub.requests[0]!)).toBe(KEYS[name]);
    if (name === 'openai')
      expect(stub.requests[0]!.body).toMatchObject({ encoding_format: 'float' });
  });

  it('asks for and checks the dimensions requested', async () => {
    const result = await build(name, stub).embed!(['short vectors'], { dimensions: 16 });
    expect(result.dimensions).toBe(16);
    expect(result.vectors[0]).toHaveLength(16);
    expect(stub.requests[0]!.body).toMatchObject({ dimensions: 16 });
  });

  it('sends nothing for no texts', async () => {
    expect((await build(name, stub).embed!([])).vectors).toEqual([]);
    expect(stub.requests).toHaveLength(0);
  });

  it.each(['malformed', 'wrong-shape'] as const)('reports a %s embeddings body', async (mode) => {
    stub.mode = mode;
    const err = await failure(build(name, stub).embed!(texts));
    expect(err.data).toMatchObject({ provider: name, reason: 'bad_response' });
  });

  it('reports a refused key', async () => {
    stub.mode = 'unauthorized';
    const err = await failure(build(name, stub).embed!(texts));
    expect(err.message).toContain(`check the API key for ${name}`);
  });
});

describe('ollama retries', () => {
  const noWait = () => {
    const delays: number[] = [];
    return { delays, sleep: async (ms: number) => void delays.push(ms), random: () => 0 };
  };

  it('waits what Retry-After says, else backs off exponentially', async () => {
    const stub = await start('ollama');
    stub.mode = 'server-error';
    const w = noWait();
    await failure(build('ollama', stub, { maxRetries: 3 }, w).chat({ messages: hello }));
    expect(w.delays).toEqual([1, 1, 1]); // the stub sends retry-after-ms: 1
    const down = `http://127.0.0.1:${await freePort()}`;
    const w2 = noWait();
    const err = await failure(
      build('ollama', { baseURL: down }, { maxRetries: 3 }, w2).chat({ messages: hello }),
    );
    expect(w2.delays).toEqual([500, 1000, 2000]);
    expect(err.message).toContain('after 3 retries');
    expect(err.message).toContain('ollama serve');
  });

  it('retries a timed-out attempt and counts the attempts', async () => {
    const stub = await start('ollama');
    stub.mode = 'hang';
    const w = noWait();
    const p = build('ollama', stub, { timeoutMs: 150, maxRetries: 1 }, w);
    const err = await failure(p.chat({ messages: hello }));
    expect(stub.requests).toHaveLength(2);
    expect(err.message).toContain('no answer within 150 ms (2 attempts)');
  });

  it('parses Retry-After forms and bounds backoff and jitter', () => {
    const h = (o: Record<string, string>) => new Headers(o);
    expect(retryAfterMs(h({ 'retry-after-ms': '250' }))).toBe(250);
    expect(retryAfterMs(h({ 'retry-after': '2' }))).toBe(2000);
    expect(retryAfterMs(h({ 'retry-after': new Date(10_000).toUTCString() }), 5_000)).toBe(5_000);
    expect(retryAfterMs(h({ 'retry-after': '86400' }))).toBe(60_000);
    expect(retryAfterMs(h({ 'retry-after': 'soon' }))).toBeUndefined();
    expect(retryAfterMs(h({}))).toBeUndefined();
    expect(backoffMs(0, () => 0)).toBe(500);
    expect(backoffMs(10, () => 0)).toBe(8_000);
    expect(backoffMs(1, () => 0.999)).toBeGreaterThan(750);
  });
});

describe('provider registry', () => {
  const section = (
    providers: Record<string, Partial<ProviderSettings>>,
    defaultProvider?: ProviderName,
  ) => ({
    providers: Object.fromEntries(
      Object.entries(providers).map(([k, v]) => [k, { timeoutMs: 5_000, maxRetries: 1, ...v }]),
    ) as Record<ProviderName, ProviderSettings>,
    defaultProvider,
  });

  it('lists configured providers with a fingerprint, never the key', () => {
    const firstSeen = new Date('2025-03-01T00:00:00Z');
    const redactor = new Redactor();
    const registry = new ProviderRegistry({
      config: section({ anthropic: { apiKey: KEYS.anthropic }, ollama: {} }),
      redactor,
      keyFirstSeen: (fp) => (fp === fingerprint(KEYS.anthropic) ? firstSeen : undefined),
    });
    const list = registry.list();
    expect(list).toEqual([
      expect.objectContaining({
        name: 'anthropic',
        model: 'claude-sonnet-5-5',
        baseURL: 'https://api.anthropic.com',
        hasKey: true,
        keyFingerprint: createHash('sha256').update(KEYS.anthropic).digest('hex').slice(0, 12),
        keyFirstSeen: firstSeen.toISOString(),
        isDefault: true,
      }),
      expect.objectContaining({
        name: 'ollama',
        model: 'llama3.2',
        embeddingModel: 'nomic-embed-text',
        baseURL: 'http://localhost:11434',
        hasKey: false,
        isDefault: false,
      }),
    ]);
    expect(list[1]).not.toHaveProperty('keyFingerprint');
    expect(JSON.stringify(list)).not.toContain(KEYS.anthropic);
    expect(redactor.scrubText(`x ${KEYS.anthropic} y`)).not.toContain(KEYS.anthropic);
  });

  it('fingerprints are sha256 hex, shortened to 12 characters for display', () => {
    expect(fingerprint('abc')).toBe(
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    );
    expect(shortFingerprint('abc')).toBe('ba7816bf8f01');
  });

  it('defaults to the first usable provider when defaultProvider is absent', () => {
    const redactor = new Redactor();
    const keyless = new ProviderRegistry({
      config: section({ anthropic: {}, ollama: {} }),
      redactor,
    });
    expect(keyless.defaultName).toBe('ollama');
    const both = new ProviderRegistry({
      config: section({ openai: { apiKey: KEYS.openai }, ollama: {} }),
      redactor,
    });
    expect(both.defaultName).toBe('openai');
    expect(both.get().name).toBe('openai');
    expect(both.embedder().name).toBe('openai');
    const chosen = new ProviderRegistry({
      config: section({ openai: { apiKey: KEYS.openai }, ollama: {} }, 'ollama'),
      redactor,
    });
    expect(chosen.get().name).toBe('ollama');
  });

  it('explains a provider that is not configured, or has no key', async () => {
    const registry = new ProviderRegistry({
      config: section({ anthropic: {} }),
      redactor: new Redactor(),
    });
    const notConfigured = await failure(Promise.resolve().then(() => registry.get('openai')));
    expect(notConfigured.message).toContain('add providers.openai to the config');
    expect(notConfigured.data).toMatchObject({ reason: 'not_configured' });
    const noKey = await failure(registry.get('anthropic').chat({ messages: hello }));
    expect(noKey.message).toContain(
      'no API key configured for anthropic: set providers.anthropic.apiKey to "${ANTHROPIC_API_KEY}"',
    );
    expect(noKey.data).toMatchObject({ provider: 'anthropic', reason: 'no_key' });
    const cannotEmbed = await failure(Promise.resolve().then(() => registry.embedder('anthropic')));
    expect(cannotEmbed.data).toMatchObject({ reason: 'not_supported' });
  });

  it('tests a provider with one minimal real call', async () => {
    const stub = await start('ollama');
    stub.replyText = ' pong\n';
    let clock = 1_000;
    const registry = new ProviderRegistry({
      config: section({ ollama: { baseURL: stub.baseURL, model: 'tiny' } }),
      redactor: new Redactor(),
      now: () => (clock += 42),
    });
    expect(await registry.test('ollama')).toEqual({
      provider: 'ollama',
      model: 'tiny',
      latencyMs: 42,
      reply: 'pong',
    });
    expect(stub.requests[0]!.body).toMatchObject({
      model: 'tiny',
      messages: [{ role: 'user', content: TEST_PROMPT }],
      options: { num_predict: 16 },
    });
  });

  it('rebuilds providers on reload', async () => {
    const stub = await start('openai');
    const registry = new ProviderRegistry({
      config: section({ openai: { apiKey: KEYS.openai, baseURL: stub.baseURL, model: 'a' } }),
      redactor: new Redactor(),
    });
    registry.reload(
      section({ openai: { apiKey: KEYS.openai, baseURL: stub.baseURL, model: 'b' } }),
    );
    expect(registry.get('openai').model).toBe('b');
    expect((await registry.test('openai')).model).toBe('b');
  });

  it('names the model and base URL when the API answers 404', async () => {
    const stub = await start('anthropic');
    const registry = new ProviderRegistry({
      config: section({ anthropic: { apiKey: KEYS.anthropic, baseURL: `${stub.url}/wrong` } }),
      redactor: new Redactor(),
    });
    const err = await failure(registry.test('anthropic'));
    expect(err.message).toContain('HTTP 404');
    expect(err.message).toContain('providers.anthropic.model ("claude-sonnet-5-5")');
    expect(err.message).toContain(`providers.anthropic.baseURL (${stub.url}/wrong)`);
  });

  it('never shows credentials or a query embedded in a base URL', () => {
    const registry = new ProviderRegistry({
      config: section({ ollama: { baseURL: 'https://me:hunter2@proxy.example/ollama?token=abc' } }),
      redactor: new Redactor(),
    });
    expect(registry.list()[0]!.baseURL).toBe('https://proxy.example/ollama');
  });
});
