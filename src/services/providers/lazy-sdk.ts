/**
 * Provider SDKs load on first use, not when the daemon starts: together they are about a
 * third of its start (~250 ms of ~750 ms to listening) and ~7 MB of heap, and most
 * daemons never call a provider. Node caches the module, and each provider its client.
 */
import { missingKey } from './errors.js';

/** A provider's SDK, loaded on first use, and the one client built from it with the key. */
export class LazyClient<Sdk, Client> {
  private connected: Promise<{ Sdk: Sdk; client: Client }> | undefined;

  constructor(
    private readonly provider: 'anthropic' | 'openai',
    private readonly apiKey: string | undefined,
    private readonly load: () => Promise<Sdk>,
    private readonly build: (Sdk: Sdk, apiKey: string) => Client,
  ) {}

  /** The SDK (its error classes tell failures apart) and the client; no key: the missing-key error. */
  get(): Promise<{ Sdk: Sdk; client: Client }> {
    const { apiKey } = this;
    if (!apiKey) return Promise.reject(missingKey(this.provider));
    return (this.connected ??= this.load().then((Sdk) => ({
      Sdk,
      client: this.build(Sdk, apiKey),
    })));
  }
}
