/**
 * The configured providers, built from the config's `providers` section: look one up
 * (or the default), list them for `provider.list` (fingerprints, never keys), and test
 * one with a minimal real call. `reload()` rebuilds them after a config reload, so a
 * changed key or model applies without a restart.
 */
import { ANTHROPIC_DEFAULTS, AnthropicProvider } from './anthropic.js';
import { displayURL, setupFailure } from './errors.js';
import { fingerprint } from './key-fingerprint.js';
import { OLLAMA_DEFAULTS, OllamaProvider } from './ollama.js';
import { OPENAI_DEFAULTS, OpenAIProvider } from './openai.js';
import { PROVIDER_NAMES, type ProviderName } from '../../protocol/provider.js';
import type { Provider, ProviderDeps, ProviderSettings } from './provider.js';

/** The parts of the config this reads (`Config` fits). */
export interface ProvidersSection {
  providers: { [N in ProviderName]?: ProviderSettings };
  defaultProvider?: ProviderName;
}

export type ProviderFactory = (settings: ProviderSettings, deps: ProviderDeps) => Provider;

const FACTORIES: Record<ProviderName, ProviderFactory> = {
  anthropic: (s, d) => new AnthropicProvider(s, d),
  openai: (s, d) => new OpenAIProvider(s, d),
  ollama: (s, d) => new OllamaProvider(s, d),
};

const DEFAULT_BASE_URLS: Record<ProviderName, string> = {
  anthropic: ANTHROPIC_DEFAULTS.baseURL,
  openai: OPENAI_DEFAULTS.baseURL,
  ollama: OLLAMA_DEFAULTS.baseURL,
};

/** Anthropic and OpenAI cannot work without a key; Ollama usually runs without one. */
const NEEDS_KEY: Record<ProviderName, boolean> = { anthropic: true, openai: true, ollama: false };

export interface ProviderRegistryOptions extends ProviderDeps {
  config: ProvidersSection;
  /** When a key with this fingerprint (full sha256 hex) was first seen, if known. */
  keyFirstSeen?: (fingerprint: string) => Date | string | undefined;
  /** Milliseconds clock for latencies. Default: performance.now. */
  now?: () => number;
  /** Replaces how a provider is built (tests, future providers). */
  factories?: Partial<Record<ProviderName, ProviderFactory>>;
}

export interface ProviderInfo {
  name: ProviderName;
  model: string;
  embeddingModel: string | null;
  baseURL: string;
  hasKey: boolean;
  /** First 12 hex characters of sha256(key). */
  keyFingerprint?: string;
  /** ISO time the key was first seen, when the key ledger knows it. */
  keyFirstSeen?: string;
  isDefault: boolean;
  timeoutMs: number;
  maxRetries: number;
}

export interface ProviderTestResult {
  provider: ProviderName;
  model: string;
  latencyMs: number;
  reply: string;
}

export const TEST_PROMPT = 'Reply with the word pong.';

export class ProviderRegistry {
  private providers = new Map<ProviderName, Provider>();
  private settings = new Map<ProviderName, ProviderSettings>();
  private defaultProvider: ProviderName | undefined;

  constructor(private readonly options: ProviderRegistryOptions) {
    this.reload(options.config);
  }

  /** Rebuilds every provider from a (re)loaded config. */
  reload(config: ProvidersSection): void {
    const providers = new Map<ProviderName, Provider>();
    const settings = new Map<ProviderName, ProviderSettings>();
    for (const name of PROVIDER_NAMES) {
      const s = config.providers[name];
      if (!s) continue;
      this.options.redactor.addSecret(s.apiKey);
      const build = this.options.factories?.[name] ?? FACTORIES[name];
      providers.set(name, build(s, this.options));
      settings.set(name, s);
    }
    this.providers = providers;
    this.settings = settings;
    this.defaultProvider = config.defaultProvider ?? this.firstUsable();
  }

  /** First configured of anthropic, openai, ollama that can work (has a key, or needs none). */
  private firstUsable(): ProviderName | undefined {
    const configured = PROVIDER_NAMES.filter((n) => this.settings.has(n));
    return (
      configured.find((n) => !NEEDS_KEY[n] || Boolean(this.settings.get(n)?.apiKey)) ??
      configured[0]
    );
  }

  get defaultName(): ProviderName | undefined {
    return this.defaultProvider;
  }

  has(name: ProviderName): boolean {
    return this.providers.has(name);
  }

  /** The named provider, or the default one; a PROVIDER_FAILURE saying what to configure otherwise. */
  get(name?: ProviderName): Provider {
    const wanted = name ?? this.defaultProvider;
    if (!wanted) {
      throw setupFailure(
        undefined,
        'not_configured',
        'no LLM provider configured: add providers.anthropic, providers.openai or providers.ollama to the config',
      );
    }
    const provider = this.providers.get(wanted);
    if (!provider) {
      const why = name ? '' : ' (it is the defaultProvider)';
      throw setupFailure(
        wanted,
        'not_configured',
        `provider ${wanted} is not configured${why}: add providers.${wanted} to the config ({} uses the defaults)`,
      );
    }
    return provider;
  }

  /**
   * A provider that can embed: the named one, else the default one if it can, else the
   * first configured of openai and ollama.
   */
  embedder(name?: ProviderName): Provider & Required<Pick<Provider, 'embed'>> {
    const candidates = name
      ? [this.get(name)]
      : [this.defaultProvider, 'openai' as const, 'ollama' as const]
          .filter((n): n is ProviderName => n !== undefined && this.providers.has(n))
          .map((n) => this.get(n));
    const found = candidates.find((p) => typeof p.embed === 'function');
    if (!found) {
      throw setupFailure(
        name,
        'not_supported',
        name
          ? `provider ${name} cannot make embeddings: use openai or ollama`
          : 'no provider that makes embeddings is configured: add providers.openai or providers.ollama',
      );
    }
    return found as Provider & Required<Pick<Provider, 'embed'>>;
  }

  /** Every configured provider, with a key fingerprint instead of the key. */
  list(): ProviderInfo[] {
    return [...this.providers.entries()].map(([name, provider]) => {
      const s = this.settings.get(name)!;
      const info: ProviderInfo = {
        name,
        model: provider.model,
        embeddingModel: provider.embeddingModel ?? null,
        baseURL: displayURL(s.baseURL ?? DEFAULT_BASE_URLS[name]),
        hasKey: Boolean(s.apiKey),
        isDefault: name === this.defaultProvider,
        timeoutMs: s.timeoutMs,
        maxRetries: s.maxRetries,
      };
      if (s.apiKey) {
        const full = fingerprint(s.apiKey);
        info.keyFingerprint = full.slice(0, 12);
        const seen = this.options.keyFirstSeen?.(full);
        if (seen) info.keyFirstSeen = new Date(seen).toISOString();
      }
      return info;
    });
  }

  /** One minimal real call; costs a handful of tokens. Fails with the provider's PROVIDER_FAILURE. */
  async test(name?: ProviderName, signal?: AbortSignal): Promise<ProviderTestResult> {
    const provider = this.get(name);
    await provider.ready?.();
    const now = this.options.now ?? (() => performance.now());
    const started = now();
    const result = await provider.chat({
      messages: [{ role: 'user', content: TEST_PROMPT }],
      maxTokens: 16,
      signal,
    });
    return {
      provider: provider.name,
      model: result.model,
      latencyMs: Math.round(now() - started),
      reply: result.text.trim(),
    };
  }
}
