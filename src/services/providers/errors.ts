/**
 * Every provider failure becomes one AppError('PROVIDER_FAILURE') whose message names
 * the provider, the HTTP status when there is one, and what to check. Messages are
 * built from facts we choose (status, code, counts) rather than from the SDK's error
 * text, which can quote request details. The provider's own explanation (from the
 * error body) is added for rejected requests and provider errors, never for auth
 * failures, after removing the provider's key from it and truncating it.
 * The Redactor runs over the result as a last net.
 *
 * No `cause` is attached on purpose: an SDK error carries response headers and request
 * options, and anything attached here may end up serialized in a log.
 */
import { maskSecret, type Redactor } from '../../config/secrets.js';
import { AppError } from '../../core/errors.js';
import { plural } from '../../core/plural.js';
import type { ProviderName } from '../../protocol/provider.js';

export type FailureReason =
  | 'no_key'
  | 'not_configured'
  | 'not_supported'
  | 'auth'
  | 'rate_limited'
  | 'provider_error'
  | 'rejected'
  | 'not_found'
  | 'timeout'
  | 'unreachable'
  | 'bad_response'
  | 'cancelled';

/** What went wrong, as facts; `providerFailure` turns it into words. */
export type Failure =
  | { kind: 'status'; status?: number; detail?: string; retries: number }
  | { kind: 'timeout'; retries: number }
  | { kind: 'connection'; code?: string; retries: number }
  | { kind: 'bad_response'; detail: string }
  | { kind: 'cancelled' };

export interface FailureContext {
  provider: ProviderName;
  model: string;
  baseURL: string;
  timeoutMs: number;
  redactor: Redactor;
  /** The provider's own key: removed from any provider text before anything else. */
  secret?: string;
}

/** The context of a provider's failures, from its settings: the same for every provider. */
export function failureContext(
  provider: ProviderName,
  model: string,
  baseURL: string,
  settings: { timeoutMs: number; apiKey?: string | undefined },
  redactor: Redactor,
): FailureContext {
  return {
    provider,
    model,
    baseURL,
    timeoutMs: settings.timeoutMs,
    redactor,
    secret: settings.apiKey,
  };
}

/** Thrown by response parsers when a body is not the shape the API promises. */
export class BadResponseError extends Error {
  constructor(readonly detail: string) {
    super(detail);
    this.name = 'BadResponseError';
  }
}

/** Wraps an error thrown by the caller's `onText`, so it passes through unchanged. */
export class CallbackError extends Error {
  constructor(readonly original: unknown) {
    super('onText callback failed');
    this.name = 'CallbackError';
  }
}

const API_NAMES: Record<ProviderName, string> = {
  anthropic: 'Anthropic Messages',
  openai: 'OpenAI',
  ollama: 'Ollama',
};

/** A URL fit for messages and listings: no user:password, no query (either may hold a key). */
export function displayURL(url: string): string {
  try {
    const u = new URL(url);
    u.username = '';
    u.password = '';
    u.search = '';
    u.hash = '';
    return u.toString().replace(/\/$/, '');
  } catch {
    return '(invalid URL)';
  }
}

const retriesText = (n: number) => plural(n, 'retry');

function cleanDetail(text: string | undefined, secret: string | undefined): string | undefined {
  if (!text) return undefined;
  let out = secret && secret.length >= 4 ? text.split(secret).join(maskSecret(secret)) : text;
  out = out.replace(/\s+/g, ' ').trim();
  return out.length > 200 ? `${out.slice(0, 199)}…` : out || undefined;
}

function statusMessage(ctx: FailureContext, f: Extract<Failure, { kind: 'status' }>) {
  const p = ctx.provider;
  const { status, retries } = f;
  const detail = cleanDetail(f.detail, ctx.secret);
  const after = retries > 0 ? ` after ${retriesText(retries)}` : '';
  if (status === 401 || status === 403) {
    return {
      reason: 'auth' as const,
      message: `${p} refused the request (HTTP ${status}): check the API key for ${p} (providers.${p}.apiKey)`,
    };
  }
  if (status === 429) {
    return {
      reason: 'rate_limited' as const,
      message: `${p} rate limited the request (HTTP 429)${after}; wait and try again, or raise providers.${p}.maxRetries`,
    };
  }
  if (status === undefined || status >= 500) {
    const what = status === undefined ? 'during the response stream' : `(HTTP ${status})`;
    return {
      reason: 'provider_error' as const,
      message: `${p} provider error ${what}${after}${detail ? `: ${detail}` : ''}; try again later`,
    };
  }
  if (status === 404) {
    return {
      reason: 'not_found' as const,
      message: `${p} answered HTTP 404${detail ? ` (${detail})` : ''}: check providers.${p}.model ("${ctx.model}") and providers.${p}.baseURL (${displayURL(ctx.baseURL)})`,
    };
  }
  return {
    reason: 'rejected' as const,
    message: `${p} rejected the request (HTTP ${status})${detail ? `: ${detail}` : ''}`,
  };
}

/** The one way a provider failure is reported. */
export function providerFailure(ctx: FailureContext, f: Failure): AppError {
  const p = ctx.provider;
  const url = displayURL(ctx.baseURL);
  let reason: FailureReason;
  let message: string;
  let status: number | undefined;
  let retries: number | undefined;
  switch (f.kind) {
    case 'status':
      ({ reason, message } = statusMessage(ctx, f));
      status = f.status;
      retries = f.retries;
      break;
    case 'timeout':
      reason = 'timeout';
      retries = f.retries;
      message =
        `${p} gave no answer within ${ctx.timeoutMs} ms` +
        (f.retries > 0 ? ` (${plural(f.retries + 1, 'attempt')})` : '') +
        `; check providers.${p}.baseURL (${url}) and providers.${p}.timeoutMs`;
      break;
    case 'connection':
      reason = 'unreachable';
      retries = f.retries;
      message =
        `cannot reach ${p} at ${url}${f.code ? ` (${f.code})` : ''}` +
        (f.retries > 0 ? ` after ${retriesText(f.retries)}` : '') +
        `; check providers.${p}.baseURL` +
        (p === 'ollama' ? ' and that Ollama is running (`ollama serve`)' : ' and the network');
      break;
    case 'bad_response':
      reason = 'bad_response';
      message = `${p} returned an unexpected response body (${cleanDetail(f.detail, ctx.secret)}); check that providers.${p}.baseURL (${url}) points at the ${API_NAMES[p]} API`;
      break;
    case 'cancelled':
      reason = 'cancelled';
      message = `${p} call cancelled`;
      break;
  }
  const data: Record<string, unknown> = { provider: p, reason };
  if (status !== undefined) data.status = status;
  if (retries !== undefined) data.retries = retries;
  return new AppError('PROVIDER_FAILURE', ctx.redactor.scrubText(message), data);
}

/** A failure that is not about a call: missing key, unknown provider, no embeddings. */
export function setupFailure(
  provider: ProviderName | undefined,
  reason: 'no_key' | 'not_configured' | 'not_supported',
  message: string,
): AppError {
  return new AppError('PROVIDER_FAILURE', message, { provider: provider ?? null, reason });
}

export function missingKey(provider: 'anthropic' | 'openai'): AppError {
  const env = provider === 'anthropic' ? 'ANTHROPIC_API_KEY' : 'OPENAI_API_KEY';
  return setupFailure(
    provider,
    'no_key',
    `no API key configured for ${provider}: set providers.${provider}.apiKey to "\${${env}}" in the config and set ${env} in the daemon's environment`,
  );
}

/** The error classes both SDKs export under the same names. */
type ErrorClass = abstract new (...args: never[]) => Error;
export interface SdkErrorClasses {
  APIError: ErrorClass;
  APIConnectionError: ErrorClass;
  APIConnectionTimeoutError: ErrorClass;
  APIUserAbortError: ErrorClass;
}

/** The system error code (ECONNREFUSED, ENOTFOUND, …) somewhere down a fetch error's causes. */
export function connectionCode(err: unknown): string | undefined {
  let e: unknown = err;
  for (let depth = 0; e && typeof e === 'object' && depth < 6; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && /^E[A-Z]+$|^UND_ERR_/.test(code)) return code;
    const inner = (e as { errors?: unknown[] }).errors;
    e = (e as { cause?: unknown }).cause ?? (Array.isArray(inner) ? inner[0] : undefined);
  }
  return undefined;
}

/** The provider's own explanation in an error body (`{error:{message}}` or `{message}`). */
export function bodyMessage(body: unknown): string | undefined {
  if (!body || typeof body !== 'object') return typeof body === 'string' ? body : undefined;
  const b = body as { error?: unknown; message?: unknown };
  if (typeof b.error === 'string') return b.error;
  if (b.error && typeof b.error === 'object') {
    const m = (b.error as { message?: unknown }).message;
    if (typeof m === 'string') return m;
  }
  return typeof b.message === 'string' ? b.message : undefined;
}

const RETRIED_STATUS = (s: number | undefined) =>
  s !== undefined && (s === 408 || s === 409 || s === 429 || s >= 500);

/**
 * Classifies an error thrown by an SDK call. The SDKs retry 408/409/429/5xx, timeouts
 * and connection errors up to `maxRetries` times, so those failures come after all of them.
 */
export function sdkFailure(err: unknown, sdk: SdkErrorClasses, maxRetries: number): Failure {
  if (err instanceof BadResponseError) return { kind: 'bad_response', detail: err.detail };
  if (err instanceof sdk.APIUserAbortError) return { kind: 'cancelled' };
  if (err instanceof sdk.APIConnectionTimeoutError) return { kind: 'timeout', retries: maxRetries };
  if (err instanceof sdk.APIConnectionError) {
    return { kind: 'connection', code: connectionCode(err), retries: maxRetries };
  }
  if (err instanceof sdk.APIError) {
    const e = err as Error & { status?: number; error?: unknown };
    return {
      kind: 'status',
      status: e.status,
      detail: bodyMessage(e.error),
      retries: RETRIED_STATUS(e.status) ? maxRetries : 0,
    };
  }
  if (err instanceof SyntaxError) return { kind: 'bad_response', detail: 'not valid JSON' };
  // Anything else came out of parsing what the server sent; its text is not ours to repeat.
  return { kind: 'bad_response', detail: `${(err as Error)?.name ?? 'error'} while reading it` };
}
