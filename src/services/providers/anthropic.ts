/**
 * Anthropic through `@anthropic-ai/sdk` and its Messages API. The key goes straight from
 * the config to the SDK constructor; timeouts and retries (429, 5xx, connection errors,
 * with backoff and Retry-After) are the SDK's own, configured from the provider section.
 */
import type Anthropic from '@anthropic-ai/sdk';
import {
  BadResponseError,
  CallbackError,
  failureContext,
  providerFailure,
  sdkFailure,
  type FailureContext,
} from './errors.js';
import type {
  ChatRequest,
  ChatResult,
  Provider,
  ProviderDeps,
  ProviderSettings,
  TokenUsage,
} from './provider.js';
import { LazyClient } from './lazy-sdk.js';

const loadSdk = async () => (await import('@anthropic-ai/sdk')).default;

export const ANTHROPIC_DEFAULTS = {
  baseURL: 'https://api.anthropic.com',
  model: 'claude-sonnet-5-5',
  /** The Messages API requires max_tokens; this is the default when a caller sets none. */
  maxTokens: 4096,
} as const;

interface TextBlockLike {
  type: string;
  text?: unknown;
}

/** Checks a non-streamed Message; the SDK returns whatever the server sent. */
function readMessage(body: unknown, fallbackModel: string): ChatResult {
  const m = body as {
    model?: unknown;
    content?: unknown;
    stop_reason?: unknown;
    usage?: { input_tokens?: unknown; output_tokens?: unknown };
  } | null;
  if (!m || typeof m !== 'object' || !Array.isArray(m.content)) {
    throw new BadResponseError('no "content" array in the reply');
  }
  const usage = m.usage;
  if (typeof usage?.input_tokens !== 'number' || typeof usage.output_tokens !== 'number') {
    throw new BadResponseError('no token "usage" in the reply');
  }
  const text = (m.content as TextBlockLike[])
    .filter((b) => b?.type === 'text' && typeof b.text === 'string')
    .map((b) => b.text as string)
    .join('');
  return {
    text,
    model: typeof m.model === 'string' ? m.model : fallbackModel,
    usage: { inputTokens: usage.input_tokens, outputTokens: usage.output_tokens },
    stopReason: typeof m.stop_reason === 'string' ? m.stop_reason : undefined,
  };
}

export class AnthropicProvider implements Provider {
  readonly name = 'anthropic' as const;
  readonly model: string;
  private readonly sdk: LazyClient<typeof Anthropic, Anthropic>;
  private readonly ctx: FailureContext;

  constructor(
    private readonly settings: ProviderSettings,
    deps: ProviderDeps,
  ) {
    this.model = settings.model ?? ANTHROPIC_DEFAULTS.model;
    const baseURL = settings.baseURL ?? ANTHROPIC_DEFAULTS.baseURL;
    this.ctx = failureContext('anthropic', this.model, baseURL, settings, deps.redactor);
    this.sdk = new LazyClient('anthropic', settings.apiKey, loadSdk, (Sdk, apiKey) => {
      return new Sdk({
        apiKey,
        // Always explicit, so ANTHROPIC_BASE_URL in the daemon's environment cannot
        // silently send the key somewhere the config does not say.
        baseURL,
        timeout: settings.timeoutMs,
        maxRetries: settings.maxRetries,
        fetch: deps.fetch,
        // The SDK would print raw response chunks and request details to the console.
        logLevel: 'off',
      });
    });
  }

  async ready(): Promise<void> {
    await this.sdk.get();
  }

  async chat(req: ChatRequest): Promise<ChatResult> {
    const { Sdk, client } = await this.sdk.get();
    const params = {
      model: this.model,
      max_tokens: req.maxTokens ?? ANTHROPIC_DEFAULTS.maxTokens,
      messages: req.messages,
      ...(req.system ? { system: req.system } : {}),
    };
    try {
      if (!req.onText) {
        const message = await client.messages.create(params, { signal: req.signal });
        return readMessage(message, this.model);
      }
      const stream = await client.messages.create(
        { ...params, stream: true },
        { signal: req.signal },
      );
      return await this.readStream(Sdk, stream, req.onText, req.signal);
    } catch (err) {
      if (err instanceof CallbackError) throw err.original;
      throw providerFailure(this.ctx, sdkFailure(err, Sdk, this.settings.maxRetries));
    }
  }

  private async readStream(
    Sdk: typeof Anthropic,
    stream: AsyncIterable<Anthropic.RawMessageStreamEvent>,
    onText: (delta: string) => void,
    signal: AbortSignal | undefined,
  ): Promise<ChatResult> {
    let text = '';
    let model = this.model;
    let stopReason: string | undefined;
    let finished = false;
    const usage: TokenUsage = { inputTokens: 0, outputTokens: 0 };
    for await (const event of stream) {
      switch (event.type) {
        case 'message_start':
          model = event.message?.model ?? model;
          usage.inputTokens = event.message?.usage?.input_tokens ?? 0;
          usage.outputTokens = event.message?.usage?.output_tokens ?? 0;
          break;
        case 'content_block_delta':
          if (event.delta?.type === 'text_delta' && typeof event.delta.text === 'string') {
            text += event.delta.text;
            try {
              onText(event.delta.text);
            } catch (err) {
              throw new CallbackError(err);
            }
          }
          break;
        case 'message_delta':
          stopReason = event.delta?.stop_reason ?? stopReason;
          usage.outputTokens = event.usage?.output_tokens ?? usage.outputTokens;
          usage.inputTokens = event.usage?.input_tokens ?? usage.inputTokens;
          break;
        case 'message_stop':
          finished = true;
          break;
      }
    }
    // The SDK ends an aborted stream quietly instead of throwing.
    if (signal?.aborted) throw new Sdk.APIUserAbortError();
    if (!finished) throw new BadResponseError('the stream ended before message_stop');
    return { text, model, usage, stopReason };
  }
}
