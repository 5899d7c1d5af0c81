/**
 * Runs operations one at a time per key. The plugin manager queues everything it does to
 * one plugin under its name, so that a reload never overlaps an approval, a revocation
 * or another reload of the same plugin, while different plugins go on side by side.
 */
export class KeyedQueue {
  private readonly tails = new Map<string, Promise<unknown>>();

  /** Runs `fn` once everything queued before it under `key` has settled, however it ended. */
  run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.tails.get(key) ?? Promise.resolve();
    const next = prev.then(fn, fn);
    const settled = next.catch(() => {});
    this.tails.set(key, settled);
    void settled.then(() => this.tails.get(key) === settled && this.tails.delete(key));
    return next;
  }
}
