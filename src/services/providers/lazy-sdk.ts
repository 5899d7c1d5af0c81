/**
 * Provider SDKs load on first use, not when the daemon starts: together they are about a
 * third of its start (~250 ms of ~750 ms to listening) and ~7 MB of heap, and most
 * daemons never call a provider. A failed load stays failed (the install is broken).
 */
export function lazyModule<T>(load: () => Promise<T>): () => Promise<T> {
  let loaded: Promise<T> | undefined;
  return () => (loaded ??= load());
}
