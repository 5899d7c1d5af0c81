/**
 * fetch with a timeout per attempt and bounded retries, for providers we call without an
 * SDK (Ollama). It follows the SDKs' policy so every provider behaves alike: retry 408,
 * 409, 429, 5xx, timeouts and connection errors up to `maxRetries` times; wait what
 * Retry-After(-ms) says, else exponential backoff (0.5 s doubling, at most 8 s) less up
 * to 25 % jitter, so clients that failed together do not retry together.
 *
 * The timeout covers the wait for the answer to start, like the SDKs' timeout: a
 * caller reading a long stream calls `settle()` once the headers are in, a caller
 * reading a whole body calls it after the body. (AbortSignal.timeout cannot be
 * stopped, so it would cut off a long stream; hence a plain timer here.)
 */
import { connectionCode, type Failure } from './errors.js';

/** Longest server-requested wait we honor; a longer one would hold a request for minutes. */
const MAX_RETRY_AFTER_MS = 60_000;
const INITIAL_DELAY_MS = 500;
const MAX_DELAY_MS = 8_000;

export interface RetryingFetchOptions {
  fetch: typeof fetch;
  maxRetries: number;
  timeoutMs: number;
  signal?: AbortSignal;
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  random: () => number;
}

export interface Attempt {
  /** The last response: OK, a status not worth retrying, or a retryable one after the last retry. */
  response: Response;
  retries: number;
  /** Stops this attempt's timer. Idempotent. */
  settle(): void;
  /** True when the timer fired; a body read then fails with an abort error. */
  timedOut(): boolean;
}

/** The request never got an answer (timeout, connection error) or was cancelled. */
export class AttemptFailure extends Error {
  constructor(readonly failure: Failure) {
    super(failure.kind);
    this.name = 'AttemptFailure';
  }
}

export const isRetryableStatus = (status: number) =>
  status === 408 || status === 409 || status === 429 || status >= 500;

/** The wait a server asked for, in ms: `retry-after-ms`, else `retry-after` (seconds or a date). */
export function retryAfterMs(headers: Headers, now = Date.now()): number | undefined {
  let ms: number | undefined;
  const millis = headers.get('retry-after-ms');
  if (millis !== null && millis.trim() !== '' && Number.isFinite(Number(millis)))
    ms = Number(millis);
  const after = headers.get('retry-after');
  if (ms === undefined && after !== null && after.trim() !== '') {
    ms = Number.isFinite(Number(after)) ? Number(after) * 1000 : Date.parse(after) - now;
  }
  if (ms === undefined || Number.isNaN(ms)) return undefined;
  return Math.min(Math.max(ms, 0), MAX_RETRY_AFTER_MS);
}

/** Backoff before retry number `retry + 1` (0-based): 0.5 s, 1 s, 2 s … 8 s, minus ≤ 25 % jitter. */
export function backoffMs(retry: number, random: () => number): number {
  return Math.min(INITIAL_DELAY_MS * 2 ** retry, MAX_DELAY_MS) * (1 - random() * 0.25);
}

export async function retryingFetch(
  url: string,
  init: RequestInit,
  opts: RetryingFetchOptions,
): Promise<Attempt> {
  const { signal } = opts;
  const wait = async (ms: number) => {
    try {
      await opts.sleep(ms, signal);
    } catch {
      throw new AttemptFailure({ kind: 'cancelled' });
    }
  };
  for (let retry = 0; ; retry++) {
    if (signal?.aborted) throw new AttemptFailure({ kind: 'cancelled' });
    const deadline = new AbortController();
    const timer = setTimeout(() => deadline.abort(), opts.timeoutMs);
    const settle = () => clearTimeout(timer);
    let response: Response;
    try {
      response = await opts.fetch(url, {
        ...init,
        signal: signal ? AbortSignal.any([signal, deadline.signal]) : deadline.signal,
      });
    } catch (err) {
      settle();
      if (signal?.aborted) throw new AttemptFailure({ kind: 'cancelled' });
      const failure: Failure = deadline.signal.aborted
        ? { kind: 'timeout', retries: retry }
        : { kind: 'connection', code: connectionCode(err), retries: retry };
      if (retry >= opts.maxRetries) throw new AttemptFailure(failure);
      await wait(backoffMs(retry, opts.random));
      continue;
    }
    if (isRetryableStatus(response.status) && retry < opts.maxRetries) {
      settle();
      await response.body?.cancel().catch(() => undefined);
      await wait(retryAfterMs(response.headers) ?? backoffMs(retry, opts.random));
      continue;
    }
    return { response, retries: retry, settle, timedOut: () => deadline.signal.aborted };
  }
}

/** The default sleep: a timer that the signal cancels (rejecting). */
export function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
