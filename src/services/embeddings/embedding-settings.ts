/**
 * The `memory` config section as the embedding code sees it, and the one place that
 * decides which model makes the vectors: `memory.embeddings.model`, else a default per
 * provider that produces 384-dimensional vectors (the default `dimensions`).
 * `withEmbeddingModel` hands that model to the provider registry, so the provider that
 * embeds and the name stored next to each vector can never disagree.
 */
import type { ProviderSettings } from '../providers/provider.js';
import type { ProvidersSection } from '../providers/registry.js';

export type EmbeddingProviderName = 'openai' | 'ollama';

export interface EmbeddingSettings {
  enabled: boolean;
  provider: EmbeddingProviderName;
  model: string;
  dimensions: number;
  batchSize: number;
  /** How long a search waits for its query's embedding. */
  queryTimeoutMs: number;
  /** How many prefiltered candidates get an exact cosine rerank (at least). */
  vectorCandidates: number;
}

/** The parts of the config this reads (`Config` fits once it has the `memory` section). */
export interface MemoryConfigSection {
  memory: {
    embeddings: {
      enabled: boolean;
      provider: EmbeddingProviderName;
      model?: string | undefined;
      dimensions: number;
      batchSize: number;
      queryTimeoutMs: number;
    };
    search: { vectorCandidates: number };
  };
}

/** Models that make 384-dimensional vectors (OpenAI shortens text-embedding-3 on request). */
export const DEFAULT_EMBEDDING_MODELS: Record<EmbeddingProviderName, string> = {
  openai: 'text-embedding-3-small',
  ollama: 'all-minilm',
};

export function embeddingSettings(config: MemoryConfigSection): EmbeddingSettings {
  const e = config.memory.embeddings;
  return {
    enabled: e.enabled,
    provider: e.provider,
    model: e.model ?? DEFAULT_EMBEDDING_MODELS[e.provider],
    dimensions: e.dimensions,
    batchSize: e.batchSize,
    queryTimeoutMs: e.queryTimeoutMs,
    vectorCandidates: config.memory.search.vectorCandidates,
  };
}

/**
 * The providers section with the embedding model set on the embedding provider (when
 * that provider is configured); give this, not the raw config, to the ProviderRegistry.
 * On a config reload pass the running settings: a new embedding model needs a restart.
 */
export function withEmbeddingModel<C extends ProvidersSection & MemoryConfigSection>(
  config: C,
  running: Pick<EmbeddingSettings, 'provider' | 'model'> = embeddingSettings(config),
): ProvidersSection {
  const { provider, model } = running;
  const settings = config.providers[provider];
  if (!settings) return config;
  const withModel: ProviderSettings = { ...settings, embeddingModel: model };
  return { ...config, providers: { ...config.providers, [provider]: withModel } };
}
