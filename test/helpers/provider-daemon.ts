/**
 * A real daemon with all three providers pointed at local stand-ins (Anthropic the
 * default, keys from the environment as they should be), for task and agent tests.
 */
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { RpcError } from '../../src/clients/client.js';
import { startDaemon, type TestDaemon } from './daemon.js';
import { waitFor } from './wait.js';
import {
  startAnthropicStub,
  startOllamaStub,
  startOpenAIStub,
  type ProviderStub,
} from './provider-stubs.js';

export interface StubbedDaemon {
  d: TestDaemon;
  stubs: { anthropic: ProviderStub; openai: ProviderStub; ollama: ProviderStub };
  keys: { anthropic: string; openai: string };
}

/**
 * Starts the stubs (registered in `started`, for the caller to stop) and the daemon.
 * `providerTimeoutMs`: how long the daemon waits for a stub; a test that stops a hanging
 * run gives it far longer than it needs, so that only the stop can end that run.
 */
export async function daemonWithStubs(
  started: ProviderStub[],
  config: Record<string, unknown> = {},
  { providerTimeoutMs = 2000 }: { providerTimeoutMs?: number } = {},
): Promise<StubbedDaemon> {
  const [anthropic, openai, ollama] = await Promise.all([
    startAnthropicStub(),
    startOpenAIStub(),
    startOllamaStub(),
  ]);
  started.push(anthropic, openai, ollama);
  const keys = {
    anthropic: `sk-ant-api03-${randomBytes(24).toString('base64url')}`,
    openai: `sk-proj-${randomBytes(24).toString('base64url')}`,
  };
  const common = { maxRetries: 1, timeoutMs: providerTimeoutMs };
  const d = await startDaemon({
    config: {
      providers: {
        anthropic: { apiKey: '${ANTHROPIC_API_KEY}', baseURL: anthropic.baseURL, ...common },
        openai: { apiKey: '${OPENAI_API_KEY}', baseURL: openai.baseURL, model: 'gpt-x', ...common },
        ollama: { baseURL: ollama.baseURL, model: 'tiny', ...common },
      },
      ...config,
    },
    env: { ANTHROPIC_API_KEY: keys.anthropic, OPENAI_API_KEY: keys.openai },
  });
  return { d, stubs: { anthropic, openai, ollama }, keys };
}

/** The system prompt and user message of the last request a chat stub received. */
export function promptSeen(stub: ProviderStub): { system: string; user: string } {
  const body = stub.requests.at(-1)!.body as {
    system?: string;
    messages: { role: string; content: string }[];
  };
  const system = body.system ?? body.messages.find((m) => m.role === 'system')!.content;
  return { system, user: body.messages.find((m) => m.role === 'user')!.content };
}

/** Resolves with the call's error; rejects if the call succeeds. */
export function fails(p: Promise<unknown>): Promise<RpcError> {
  return p.then(
    () => {
      throw new Error('expected the call to fail');
    },
    (e: unknown) => e as RpcError,
  );
}

/** Waits until `check` holds (an event, e.g. a stub got its request); see waitFor. */
export function until(check: () => boolean, what = 'the condition'): Promise<void> {
  return waitFor(check, what);
}

/** Every file under `dir` whose bytes contain `text`. */
export function filesContaining(dir: string, text: string): string[] {
  const needle = Buffer.from(text);
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .map((name) => join(dir, name))
    .filter((path) => statSync(path).isFile() && readFileSync(path).includes(needle));
}
