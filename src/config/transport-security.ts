/**
 * Where a provider key may travel. A provider's `baseURL` must be https, or plain http
 * only to this machine (127.0.0.0/8, ::1, localhost), because the key goes in a header
 * of every request; anything else is refused when the config loads, unless that provider
 * says `allowInsecureHttp: true`. What is allowed but unsafe — such an override, or an
 * inherited NODE_TLS_REJECT_UNAUTHORIZED=0, which turns certificate checks off for the
 * whole process — is listed by `insecureTransport()`, so the daemon can warn and audit
 * it at start and `aistack doctor` can fail on it.
 */
import type { Config } from './schema.js';

const PROVIDERS = ['anthropic', 'openai', 'ollama'] as const;

export const LOOPBACK_NOTE = 'a loopback address (127.0.0.0/8, ::1, localhost)';

/** True for a URL host (as `new URL().hostname` gives it) on this machine. */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.toLowerCase();
  if (host === 'localhost' || host === '[::1]' || host === '::1') return true;
  // WHATWG URL parsing has already turned 127.1, 0x7f.1 and friends into dotted quads.
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/** The URL without credentials, query or fragment: safe to log. */
export function displayBaseURL(url: URL): string {
  return `${url.protocol}//${url.host}${url.pathname === '/' ? '' : url.pathname}`;
}

export type BaseURLVerdict = { ok: true; insecure: boolean } | { ok: false; message: string };

/** Judges one provider's baseURL; `insecure` marks plain http accepted through the override. */
export function judgeBaseURL(raw: string, allowInsecureHttp: boolean): BaseURLVerdict {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { ok: false, message: 'not a valid URL' };
  }
  if (url.protocol === 'https:') return { ok: true, insecure: false };
  if (url.protocol !== 'http:')
    return { ok: false, message: `must be an https:// URL (not ${url.protocol}//)` };
  if (isLoopbackHost(url.hostname)) return { ok: true, insecure: false };
  if (allowInsecureHttp) return { ok: true, insecure: true };
  return {
    ok: false,
    message: `http://${url.host} would send the API key and every prompt in cleartext: use https://, or http:// only on ${LOOPBACK_NOTE}; set allowInsecureHttp: true for this provider to accept it anyway`,
  };
}

export interface InsecureTransport {
  code: 'PROVIDER_INSECURE_HTTP' | 'TLS_VERIFY_DISABLED';
  /** The setting to change: a config path or an environment variable. */
  field: string;
  message: string;
  fix: string;
}

/** What the daemon will do that exposes keys or traffic, given its config and environment. */
export function insecureTransport(
  config: Pick<Config, 'providers'>,
  env: NodeJS.ProcessEnv,
): InsecureTransport[] {
  const found: InsecureTransport[] = [];
  for (const name of PROVIDERS) {
    const p = config.providers[name];
    if (!p?.baseURL || !p.allowInsecureHttp) continue;
    const verdict = judgeBaseURL(p.baseURL, true);
    if (!verdict.ok || !verdict.insecure) continue;
    found.push({
      code: 'PROVIDER_INSECURE_HTTP',
      field: `providers.${name}.baseURL`,
      message: `providers.${name}.baseURL is plain http to another host (${displayBaseURL(new URL(p.baseURL))}), allowed by allowInsecureHttp: the ${name} key and every prompt travel in cleartext`,
      fix: `use https:// (or a loopback address) for providers.${name}.baseURL and remove allowInsecureHttp`,
    });
  }
  if (env.NODE_TLS_REJECT_UNAUTHORIZED === '0') {
    found.push({
      code: 'TLS_VERIFY_DISABLED',
      field: 'NODE_TLS_REJECT_UNAUTHORIZED',
      message:
        'NODE_TLS_REJECT_UNAUTHORIZED=0 is set in the daemon environment: TLS certificates are not checked, so anyone on the path can read provider keys and prompts',
      fix: 'unset NODE_TLS_REJECT_UNAUTHORIZED where the daemon starts (for a private CA, set NODE_EXTRA_CA_CERTS instead) and restart it',
    });
  }
  return found;
}
