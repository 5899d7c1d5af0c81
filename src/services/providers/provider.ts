/**
 * The one shape every LLM provider has: `chat` (streamed when `onText` is set) and,
 * where the provider can, `embed`. Tasks, memory embeddings and `provider.test` see
 * only this interface, so adding a provider never touches its callers.
 *
 * This module holds types only (no SDK imports); the provider names are part of the wire
 * contract and live in protocol/provider.ts.
 */
import type { Redactor } from '../../config/secrets.js';
import type { ProviderName } from '../../protocol/provider.js';

export interface ChatMessage {
  role: 'user' | 'assistant';
  content: string;
}

export interface ChatRequest {
  system?: string;
  messages: ChatMessage[];
  maxTokens?: number;
  signal?: AbortSignal;
  /**
   * When set, the call streams and this receives each text delta in order; the deltas
   * joined equal `ChatResult.text`. An error thrown here aborts the call and is rethrown
   * unchanged.
   */
  onText?: (delta: string) => void;
}

export interface TokenUsage {
  inputTokens: number;
  outputTokens: number;
}

export interface ChatResult {
  text: string;
  /** The model that answered, as the provider reports it. */
  model: string;
  usage: TokenUsage;
  stopReason?: string;
}

export interface EmbedOptions {
  signal?: AbortSignal;
  /** Ask for shorter vectors (models that support it); the result is checked against it. */
  dimensions?: number;
}

export interface EmbedResult {
  /** One vector per input text, in input order. */
  vectors: Float32Array[];
  model: string;
  dimensions: number;
}

export interface Provider {
  readonly name: ProviderName;
  /** The chat model. */
  readonly model: string;
  /** Set when the provider can embed. */
  readonly embeddingModel?: string;
  chat(req: ChatRequest): Promise<ChatResult>;
  embed?(texts: string[], opts?: EmbedOptions): Promise<EmbedResult>;
  /** Loads what the first call needs (an SDK loaded on first use), so a timed call times the call. */
  ready?(): Promise<void>;
}

/**
 * One provider's settings: the `providers.<name>` config section after defaults and
 * `${ENV}` interpolation. `embeddingModel` is not in the config schema yet; the
 * providers default it.
 */
export interface ProviderSettings {
  apiKey?: string;
  baseURL?: string;
  model?: string;
  embeddingModel?: string;
  timeoutMs: number;
  maxRetries: number;
}

/** What a provider is given instead of reaching for globals. */
export interface ProviderDeps {
  /** Last net for every error message: scrubs anything secret-shaped or registered. */
  redactor: Redactor;
  /** HTTP; the SDKs and the Ollama client all go through it. Default: global fetch. */
  fetch?: typeof fetch;
  /** Waits between Ollama retries. Default: a timer that the signal cancels. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Jitter source in [0, 1). Default: Math.random. */
  random?: () => number;
}
