/**
 * The environment `gh` runs with: the base allowlist (core/child-env.ts) plus what gh
 * itself reads — its tokens and settings (GH_*, GITHUB_TOKEN, GITHUB_ENTERPRISE_TOKEN),
 * its config, cache and state dirs (XDG_*), the session bus and runtime dir through which
 * it reaches a keyring-stored login, proxies, and a custom CA bundle. Never a provider
 * key or anything else of the daemon's.
 */
import { allowlistedEnv, BASE_ALLOWLIST, type EnvAllowlist } from '../../core/child-env.js';

export const GH_ALLOWLIST: EnvAllowlist = {
  names: [
    'GITHUB_TOKEN',
    'GITHUB_ENTERPRISE_TOKEN',
    'XDG_CONFIG_HOME',
    'XDG_CACHE_HOME',
    'XDG_DATA_HOME',
    'XDG_STATE_HOME',
    'XDG_RUNTIME_DIR',
    'DBUS_SESSION_BUS_ADDRESS',
    'HTTPS_PROXY',
    'HTTP_PROXY',
    'NO_PROXY',
    'https_proxy',
    'http_proxy',
    'no_proxy',
    'SSL_CERT_FILE',
    'SSL_CERT_DIR',
  ],
  prefixes: ['GH_'],
};

export function ghEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return allowlistedEnv(env, BASE_ALLOWLIST, GH_ALLOWLIST);
}
