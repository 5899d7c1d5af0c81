/**
 * Secrets: recognise them, mask them, scrub them out of any text or value.
 *
 * Two nets. Known *field names* (apiKey, token, authorization, sessionToken, …) are
 * masked whatever their value, and secret-*shaped* strings (Anthropic, OpenAI and GitHub
 * tokens, our own session tokens, bearer headers) are masked wherever they appear. The
 * daemon also registers the literal values of the keys it was configured with, so a key
 * that has no recognisable shape is still caught. A masked secret keeps at most its
 * prefix and last four characters (`sk-ant-…9f3c`), enough to tell two keys apart.
 */

const SECRET_SHAPES: RegExp[] = [
  /\bsk-ant-[A-Za-z0-9_-]{16,}/g,
  /\bsk-(?:proj-|svcacct-)?[A-Za-z0-9_-]{20,}/g,
  /\bgh[pousr]_[A-Za-z0-9]{20,}/g,
  /\bgithub_pat_[A-Za-z0-9_]{20,}/g,
  /\bast_[A-Za-z0-9_-]{20,}/g,
  /\bxox[abpr]-[A-Za-z0-9-]{10,}/g,
];
const BEARER = /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{8,}/gi;

const SECRET_KEY_NAMES = new Set([
  'apikey',
  'api_key',
  'token',
  'sessiontoken',
  'session_token',
  'authorization',
  'password',
  'secret',
  'x-api-key',
  'accesstoken',
  'access_token',
]);

/** True when a property of this name holds a secret, whatever its value looks like. */
export function isSecretKeyName(name: string): boolean {
  return SECRET_KEY_NAMES.has(name.toLowerCase());
}

/** `sk-ant-api03-abc…xyz` → `sk-ant-…9f3c`; short values vanish entirely. */
export function maskSecret(value: string): string {
  if (value.length < 12) return '…';
  const prefix =
    /^(sk-ant-|sk-proj-|sk-|gh[pousr]_|github_pat_|ast_|xox[abpr]-)/.exec(value)?.[1] ?? '';
  return `${prefix}…${value.slice(-4)}`;
}

/** True when the whole string looks like a token or key. */
export function looksLikeSecret(value: string): boolean {
  return SECRET_SHAPES.some((re) => new RegExp(`^${re.source}$`).test(value));
}

export class Redactor {
  private readonly literals = new Set<string>();

  /** Remember a literal secret (e.g. a configured key) so it is scrubbed even without a known shape. */
  addSecret(value: string | undefined): void {
    if (value && value.length >= 8) this.literals.add(value);
  }

  /** Replace every secret in a string by its masked form. */
  scrubText(text: string): string {
    let out = text;
    for (const literal of this.literals) {
      if (out.includes(literal)) out = out.split(literal).join(maskSecret(literal));
    }
    for (const re of SECRET_SHAPES) out = out.replace(re, (m) => maskSecret(m));
    return out.replace(BEARER, (_m, scheme: string) => `${scheme} …`);
  }

  /** Deep copy of a value with secret fields masked and secret-shaped strings scrubbed. */
  scrub<T>(value: T, depth = 0): T {
    if (typeof value === 'string') return this.scrubText(value) as T;
    if (value === null || typeof value !== 'object' || depth > 12) return value;
    if (Array.isArray(value)) return value.map((v) => this.scrub(v, depth + 1)) as T;
    if (value instanceof Error) {
      return { type: value.name, message: this.scrubText(value.message) } as T;
    }
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      out[k] =
        isSecretKeyName(k) && typeof v === 'string' ? maskSecret(v) : this.scrub(v, depth + 1);
    }
    return out as T;
  }
}
