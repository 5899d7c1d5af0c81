/**
 * `provider.*`: which LLM providers are configured (models, base URLs, key fingerprints,
 * never keys) and a one-call test of one of them. Listing is public; testing is local
 * only, since it spends the user's tokens and is not a tool for models.
 */
import { z } from 'zod';
import { PROVIDER_NAMES } from '../services/providers/provider.js';
import { defineMethod } from './method.js';

export const providerMethods = [
  defineMethod({
    name: 'provider.list',
    description:
      'Lists the configured LLM providers: model, embedding model, base URL, whether a key is set, its fingerprint (first 12 hex of sha256) and when it was first seen. Never the key.',
    params: z.strictObject({}).prefault({}),
    access: 'public',
    handler: (_p, { services }) => ({
      providers: services.providers.list(),
      defaultProvider: services.providers.defaultName ?? null,
    }),
  }),
  defineMethod({
    name: 'provider.test',
    description:
      'Makes one minimal real call to a provider ("Reply with the word pong.", a few tokens) and reports the model, latency and reply; fails with PROVIDER_FAILURE saying what to check.',
    params: z.strictObject({
      name: z.enum(PROVIDER_NAMES).describe('anthropic, openai or ollama'),
    }),
    access: 'local',
    handler: ({ name }, { services, connection }) => {
      // A client that hangs up should not keep a slow provider call (and its retries) going.
      const controller = new AbortController();
      connection.onClose(() => controller.abort());
      return services.providers.test(name, controller.signal);
    },
  }),
];
