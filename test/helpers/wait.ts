/**
 * Waiting for an event in a test instead of sleeping a fixed time: polls `check` until it
 * holds. The deadline only bounds a failure (a passing test waits exactly as long as the
 * event takes), so it is generous: on a busy machine events come late, not never.
 */
export async function waitFor(
  check: () => boolean | Promise<boolean>,
  what: string,
  { timeoutMs = 15_000, intervalMs = 10 }: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** Follows a promise so a test can ask whether it has settled yet. */
export function track<T>(promise: Promise<T>): { readonly settled: boolean; done: Promise<void> } {
  const state = { settled: false, done: Promise.resolve() };
  state.done = promise.then(
    () => void (state.settled = true),
    () => void (state.settled = true),
  );
  return state;
}
