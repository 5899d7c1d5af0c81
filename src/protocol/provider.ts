/**
 * `provider.*` on the wire, and the provider names every layer shares: which LLM
 * providers are configured (models, base URLs, key fingerprints, never keys) and a
 * one-call test of one of them. Listing is public; testing is local only, since it
 * spends the user's tokens and is not a tool for models.
 */
import { z } from 'zod';
import { defineMethod } from './method.js';

export const PROVIDER_NAMES = ['anthropic', 'openai', 'ollama'] as const;
export type ProviderName = (typeof PROVIDER_NAMES)[number];

const providerName = z.enum(PROVIDER_NAMES);

const providerInfo = z.strictObject({
  name: providerName,
  model: z.string().describe('The chat model.'),
  embeddingModel: z.string().nullable().describe('The embedding model; null when it cannot embed.'),
  baseURL: z.string(),
  hasKey: z.boolean(),
  keyFingerprint: z
    .string()
    .optional()
    .describe('First 12 hex characters of sha256(key); only when a key is set.'),
  keyFirstSeen: z.iso
    .datetime()
    .optional()
    .describe('When the daemon first saw this key, if it knows.'),
  isDefault: z.boolean(),
  timeoutMs: z.number().int().min(0),
  maxRetries: z.number().int().min(0),
});

export const providerMethods = [
  defineMethod({
    name: 'provider.list',
    description:
      'Lists the configured LLM providers: model, embedding model, base URL, whether a key is set, its fingerprint (first 12 hex of sha256) and when it was first seen. Never the key.',
    params: z.strictObject({}).prefault({}),
    result: z.strictObject({
      providers: z.array(providerInfo),
      defaultProvider: providerName.nullable(),
    }),
    access: 'public',
    scope: 'system:read',
  }),
  defineMethod({
    name: 'provider.test',
    description:
      'Makes one minimal real call to a provider ("Reply with the word pong.", a few tokens) and reports the model, latency and reply; fails with PROVIDER_FAILURE saying what to check.',
    params: z.strictObject({
      name: providerName.describe('anthropic, openai or ollama'),
    }),
    result: z.strictObject({
      provider: providerName,
      model: z.string().describe('The model that answered, as the provider reports it.'),
      latencyMs: z.number().int().min(0),
      reply: z.string(),
    }),
    access: 'local',
    scope: 'admin',
    timeoutMs: null,
  }),
];
