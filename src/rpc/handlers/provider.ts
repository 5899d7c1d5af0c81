/**
 * Handlers of `provider.*`: list the configured providers, test one. A caller that hangs
 * up aborts the request's signal, which stops a slow provider call and its retries.
 */
import type { HandlerTable } from '../handler.js';

export const providerHandlers = {
  'provider.list': (_p, { services }) => ({
    providers: services.providers.list(),
    defaultProvider: services.providers.defaultName ?? null,
  }),
  'provider.test': ({ name }, { services, signal }) => services.providers.test(name, signal),
} satisfies Partial<HandlerTable>;
