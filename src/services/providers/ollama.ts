/**
 * Ollama through its HTTP API with plain fetch: POST /api/chat (one JSON answer, or
 * NDJSON lines when streaming) and POST /api/embed. No SDK, so the timeout and the
 * bounded retries come from `retryingFetch`. A key is optional (Ollama behind a proxy
 * or a hosted Ollama) and sent as a bearer token only when configured.
 */
import { AppError } from '../../core/errors.js';
import { toVectors } from './embedding-vectors.js';
import {
  BadResponseError,
  bodyMessage,
  CallbackError,
  failureContext,
  providerFailure,
  type Failure,
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
} from './provider.js';
import { abortableSleep, AttemptFailure, retryingFetch, type Attempt } from './retrying-fetch.js';

export const OLLAMA_DEFAULTS = {
  baseURL: 'http://localhost:11434',
  model: 'llama3.2',
  embeddingModel: 'nomic-embed-text',
} as const;

interface ChatLine {
  model?: unknown;
  message?: { content?: unknown };
  done?: unknown;
  done_reason?: unknown;
  prompt_eval_count?: unknown;
  eval_count?: unknown;
  error?: unknown;
}

const count = (n: unknown) => (typeof n === 'number' ? n : 0);

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new BadResponseError('not valid JSON');
  }
}

/** Parsed NDJSON lines of a streamed body. */
async function* ndjson(body: ReadableStream<Uint8Array>): AsyncGenerator<unknown> {
  const decoder = new TextDecoder();
  let buffered = '';
  for await (const chunk of body) {
    buffered += decoder.decode(chunk, { stream: true });
    let newline: number;
    while ((newline = buffered.indexOf('\n')) >= 0) {
      const line = buffered.slice(0, newline).trim();
      buffered = buffered.slice(newline + 1);
      if (line) yield parseJson(line);
    }
  }
  buffered += decoder.decode();
  if (buffered.trim()) yield parseJson(buffered.trim());
}

export class OllamaProvider implements Provider {
  readonly name = 'ollama' as const;
  readonly model: string;
  readonly embeddingModel: string;
  private readonly baseURL: string;
  private readonly ctx: FailureContext;

  constructor(
    private readonly settings: ProviderSettings,
    private readonly deps: ProviderDeps,
  ) {
    this.model = settings.model ?? OLLAMA_DEFAULTS.model;
    this.embeddingModel = settings.embeddingModel ?? OLLAMA_DEFAULTS.embeddingModel;
    this.baseURL = settings.baseURL ?? OLLAMA_DEFAULTS.baseURL;
    this.ctx = failureContext('ollama', this.model, this.baseURL, settings, deps.redactor);
  }

  async chat(req: ChatRequest): Promise<ChatResult> {
    const body = {
      model: this.model,
      messages: [...(req.system ? [{ role: 'system', content: req.system }] : []), ...req.messages],
      stream: Boolean(req.onText),
      ...(req.maxTokens ? { options: { num_predict: req.maxTokens } } : {}),
    };
    return this.call('api/chat', body, req.signal, async (attempt) => {
      if (!req.onText) return this.readChat(parseJson(await attempt.response.text()));
      attempt.settle(); // streaming: the timeout covered the wait for the first byte
      return this.readChatStream(attempt.response, req.onText, req.signal);
    });
  }

  async embed(texts: string[], opts: EmbedOptions = {}): Promise<EmbedResult> {
    if (texts.length === 0) {
      return { vectors: [], model: this.embeddingModel, dimensions: opts.dimensions ?? 0 };
    }
    const body = {
      model: this.embeddingModel,
      input: texts,
      ...(opts.dimensions ? { dimensions: opts.dimensions } : {}),
    };
    return this.call('api/embed', body, opts.signal, async (attempt) => {
      const json = parseJson(await attempt.response.text()) as {
        embeddings?: unknown;
        model?: unknown;
      } | null;
      const { vectors, dimensions } = toVectors(json?.embeddings, texts.length, opts.dimensions);
      const model = typeof json?.model === 'string' ? json.model : this.embeddingModel;
      return { vectors, model, dimensions };
    });
  }

  /** POSTs with retries, turns non-OK statuses and every failure into a PROVIDER_FAILURE. */
  private async call<T>(
    path: string,
    body: unknown,
    signal: AbortSignal | undefined,
    read: (attempt: Attempt) => Promise<T>,
  ): Promise<T> {
    let attempt: Attempt | undefined;
    try {
      attempt = await retryingFetch(
        new URL(path, this.baseURL.endsWith('/') ? this.baseURL : `${this.baseURL}/`).toString(),
        {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            ...(this.settings.apiKey ? { authorization: `Bearer ${this.settings.apiKey}` } : {}),
          },
          body: JSON.stringify(body),
        },
        {
          fetch: this.deps.fetch ?? fetch,
          maxRetries: this.settings.maxRetries,
          timeoutMs: this.settings.timeoutMs,
          signal,
          sleep: this.deps.sleep ?? abortableSleep,
          random: this.deps.random ?? Math.random,
        },
      );
      if (!attempt.response.ok) {
        const text = await attempt.response.text().catch(() => '');
        let detail: string | undefined;
        try {
          detail = bodyMessage(JSON.parse(text));
        } catch {
          /* not JSON: the status says enough */
        }
        throw this.failure({
          kind: 'status',
          status: attempt.response.status,
          detail,
          retries: attempt.retries,
        });
      }
      return await read(attempt);
    } catch (err) {
      throw this.classify(err, attempt, signal);
    } finally {
      attempt?.settle();
    }
  }

  private failure(f: Failure): AppError {
    return providerFailure(this.ctx, f);
  }

  private classify(err: unknown, attempt: Attempt | undefined, signal?: AbortSignal): unknown {
    if (err instanceof AppError) return err;
    if (err instanceof CallbackError) return err.original;
    if (err instanceof AttemptFailure) return this.failure(err.failure);
    if (err instanceof BadResponseError) {
      return this.failure({ kind: 'bad_response', detail: err.detail });
    }
    if (signal?.aborted) return this.failure({ kind: 'cancelled' });
    if (attempt?.timedOut()) return this.failure({ kind: 'timeout', retries: attempt.retries });
    // The body broke off after the answer had started.
    return this.failure({
      kind: 'status',
      detail: 'the connection closed during the answer',
      retries: 0,
    });
  }

  private readChat(json: unknown): ChatResult {
    const line = json as ChatLine | null;
    if (!line || typeof line !== 'object' || typeof line.message?.content !== 'string') {
      throw new BadResponseError('no "message.content" in the reply');
    }
    return {
      text: line.message.content,
      model: typeof line.model === 'string' ? line.model : this.model,
      usage: { inputTokens: count(line.prompt_eval_count), outputTokens: count(line.eval_count) },
      stopReason: typeof line.done_reason === 'string' ? line.done_reason : undefined,
    };
  }

  private async readChatStream(
    response: Response,
    onText: (delta: string) => void,
    signal: AbortSignal | undefined,
  ): Promise<ChatResult> {
    if (!response.body) throw new BadResponseError('an empty body');
    let text = '';
    for await (const json of ndjson(response.body as ReadableStream<Uint8Array>)) {
      const line = json as ChatLine | null;
      if (!line || typeof line !== 'object') throw new BadResponseError('a line is not an object');
      if (line.error !== undefined) {
        throw this.failure({ kind: 'status', detail: bodyMessage(line), retries: 0 });
      }
      const delta = line.message?.content;
      if (typeof delta === 'string' && delta.length > 0) {
        text += delta;
        try {
          onText(delta);
        } catch (err) {
          throw new CallbackError(err);
        }
      }
      if (line.done === true) {
        return this.readChat({ ...line, message: { content: text } });
      }
    }
    if (signal?.aborted) throw this.failure({ kind: 'cancelled' });
    throw new BadResponseError('the stream ended before "done"');
  }
}
