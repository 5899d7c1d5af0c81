/**
 * OpenAI through the `openai` SDK: Chat Completions (streamed with a final usage chunk)
 * and Embeddings. The key goes straight from the config to the SDK constructor; timeouts
 * and retries (429, 5xx, connection errors, with backoff and Retry-After) are the SDK's.
 */
import type OpenAI from 'openai';
import { LazyClient } from './lazy-sdk.js';
import { toVectors } from './embedding-vectors.js';
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
  EmbedOptions,
  EmbedResult,
  Provider,
  ProviderDeps,
  ProviderSettings,
  TokenUsage,
} from './provider.js';

const loadSdk = async () => (await import('openai')).default;

export const OPENAI_DEFAULTS = {
  baseURL: 'https://api.openai.com/v1',
  model: 'gpt-4o-mini',
  embeddingModel: 'text-embedding-3-small',
} as const;

interface CompletionLike {
  model?: unknown;
  choices?: { message?: { content?: unknown; refusal?: unknown }; finish_reason?: unknown }[];
  usage?: { prompt_tokens?: unknown; completion_tokens?: unknown } | null;
}

const count = (n: unknown) => (typeof n === 'number' ? n : 0);

function readCompletion(body: unknown, fallbackModel: string): ChatResult {
  const c = body as CompletionLike | null;
  const choice = c && typeof c === 'object' && Array.isArray(c.choices) ? c.choices[0] : undefined;
  if (!choice?.message || typeof choice.message !== 'object') {
    throw new BadResponseError('no "choices[0].message" in the reply');
  }
  const { content, refusal } = choice.message;
  return {
    text: typeof content === 'string' ? content : typeof refusal === 'string' ? refusal : '',
    model: typeof c!.model === 'string' ? c!.model : fallbackModel,
    // OpenAI always reports usage; some compatible servers do not.
    usage: {
      inputTokens: count(c!.usage?.prompt_tokens),
      outputTokens: count(c!.usage?.completion_tokens),
    },
    stopReason: typeof choice.finish_reason === 'string' ? choice.finish_reason : undefined,
  };
}

export class OpenAIProvider implements Provider {
  readonly name = 'openai' as const;
  readonly model: string;
  readonly embeddingModel: string;
  private readonly sdk: LazyClient<typeof OpenAI, OpenAI>;
  private readonly ctx: FailureContext;

  constructor(
    private readonly settings: ProviderSettings,
    deps: ProviderDeps,
  ) {
    this.model = settings.model ?? OPENAI_DEFAULTS.model;
    this.embeddingModel = settings.embeddingModel ?? OPENAI_DEFAULTS.embeddingModel;
    const baseURL = settings.baseURL ?? OPENAI_DEFAULTS.baseURL;
    this.ctx = failureContext('openai', this.model, baseURL, settings, deps.redactor);
    this.sdk = new LazyClient('openai', settings.apiKey, loadSdk, (Sdk, apiKey) => {
      return new Sdk({
        apiKey,
        // Explicit, so neither OPENAI_BASE_URL nor OPENAI_ADMIN_KEY in the daemon's
        // environment changes where requests go or which credential they carry.
        baseURL,
        adminAPIKey: null,
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

  private fail(err: unknown, Sdk: typeof OpenAI): unknown {
    if (err instanceof CallbackError) return err.original;
    return providerFailure(this.ctx, sdkFailure(err, Sdk, this.settings.maxRetries));
  }

  async chat(req: ChatRequest): Promise<ChatResult> {
    const { Sdk, client } = await this.sdk.get();
    const params = {
      model: this.model,
      messages: [
        ...(req.system ? [{ role: 'system' as const, content: req.system }] : []),
        ...req.messages,
      ],
      // max_tokens is deprecated and refused by reasoning models.
      ...(req.maxTokens ? { max_completion_tokens: req.maxTokens } : {}),
    };
    try {
      if (!req.onText) {
        const completion = await client.chat.completions.create(params, {
          signal: req.signal,
        });
        return readCompletion(completion, this.model);
      }
      const stream = await client.chat.completions.create(
        { ...params, stream: true, stream_options: { include_usage: true } },
        { signal: req.signal },
      );
      return await this.readStream(Sdk, stream, req.onText, req.signal);
    } catch (err) {
      throw this.fail(err, Sdk);
    }
  }

  private async readStream(
    Sdk: typeof OpenAI,
    stream: AsyncIterable<OpenAI.Chat.Completions.ChatCompletionChunk>,
    onText: (delta: string) => void,
    signal: AbortSignal | undefined,
  ): Promise<ChatResult> {
    let text = '';
    let model = this.model;
    let stopReason: string | undefined;
    const usage: TokenUsage = { inputTokens: 0, outputTokens: 0 };
    for await (const chunk of stream) {
      if (typeof chunk?.model === 'string') model = chunk.model;
      const choice = chunk?.choices?.[0];
      const delta = choice?.delta?.content;
      if (typeof delta === 'string' && delta.length > 0) {
        text += delta;
        try {
          onText(delta);
        } catch (err) {
          throw new CallbackError(err);
        }
      }
      if (choice?.finish_reason) stopReason = choice.finish_reason;
      if (chunk?.usage) {
        usage.inputTokens = count(chunk.usage.prompt_tokens);
        usage.outputTokens = count(chunk.usage.completion_tokens);
      }
    }
    // The SDK ends an aborted stream quietly instead of throwing.
    if (signal?.aborted) throw new Sdk.APIUserAbortError();
    if (!stopReason) throw new BadResponseError('the stream ended without a finish_reason');
    return { text, model, usage, stopReason };
  }

  async embed(texts: string[], opts: EmbedOptions = {}): Promise<EmbedResult> {
    const { Sdk, client } = await this.sdk.get();
    if (texts.length === 0) {
      return { vectors: [], model: this.embeddingModel, dimensions: opts.dimensions ?? 0 };
    }
    try {
      const res = await client.embeddings.create(
        {
          model: this.embeddingModel,
          input: texts,
          // Plain floats: every OpenAI-compatible server speaks it (base64 is optional).
          encoding_format: 'float',
          ...(opts.dimensions ? { dimensions: opts.dimensions } : {}),
        },
        { signal: opts.signal },
      );
      const data = (res as { data?: unknown } | null)?.data;
      const rows = Array.isArray(data)
        ? [...(data as { index?: number; embedding?: unknown }[])]
            .sort((a, b) => (a?.index ?? 0) - (b?.index ?? 0))
            .map((d) => d?.embedding)
        : undefined;
      const { vectors, dimensions } = toVectors(rows, texts.length, opts.dimensions);
      const model = (res as { model?: unknown }).model;
      return {
        vectors,
        model: typeof model === 'string' ? model : this.embeddingModel,
        dimensions,
      };
    } catch (err) {
      throw this.fail(err, Sdk);
    }
  }
}
