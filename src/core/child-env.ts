/**
 * The environment of a child process the daemon starts, built from an allowlist rather
 * than copied: the daemon's own environment holds provider keys and whatever else its
 * service manager or shell put there, and a child (gh, say) needs none of that. Only
 * the names listed, or starting with a listed prefix, pass — with their values as they
 * are; everything else is left out.
 */

export interface EnvAllowlist {
  names: readonly string[];
  prefixes?: readonly string[];
}

/** What any program needs to run as the user: programs, home, locale, time zone, temp dir. */
export const BASE_ALLOWLIST: EnvAllowlist = {
  names: ['PATH', 'HOME', 'LANG', 'LANGUAGE', 'TZ', 'TMPDIR'],
  prefixes: ['LC_'],
};

export function allowlistedEnv(
  env: NodeJS.ProcessEnv,
  ...lists: readonly EnvAllowlist[]
): NodeJS.ProcessEnv {
  const names = new Set(lists.flatMap((l) => l.names));
  const prefixes = lists.flatMap((l) => l.prefixes ?? []);
  const out: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined) continue;
    if (names.has(name) || prefixes.some((p) => name.startsWith(p))) out[name] = value;
  }
  return out;
}
