/**
 * Telling a value from a promise of one, for code that takes a fast path when work
 * finished synchronously (the request gate, dispatch) instead of paying for a promise.
 */
export function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return (
    (typeof value === 'object' || typeof value === 'function') &&
    value !== null &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}
