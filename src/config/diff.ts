/**
 * What changed between two configurations, field by field, with secrets masked — for
 * the SIGHUP reload message.
 */
import { isSecretKeyName, maskSecret } from './secrets.js';

/** A setting's value: the config is read from JSON, so every value is JSON. */
export type ConfigValue =
  string | number | boolean | null | ConfigValue[] | { [key: string]: ConfigValue };

function flatten(value: unknown, path: string, out: Map<string, unknown>): Map<string, unknown> {
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    for (const [k, v] of Object.entries(value)) flatten(v, path ? `${path}.${k}` : k, out);
  } else {
    out.set(path, value);
  }
  return out;
}

function show(path: string, value: unknown): ConfigValue | undefined {
  const key = path.split('.').pop() ?? '';
  return typeof value === 'string' && isSecretKeyName(key)
    ? maskSecret(value)
    : (value as ConfigValue | undefined);
}

export function diffConfig(
  before: unknown,
  after: unknown,
): { path: string; from: ConfigValue; to: ConfigValue }[] {
  const a = flatten(before, '', new Map());
  const b = flatten(after, '', new Map());
  const paths = [...new Set([...a.keys(), ...b.keys()])].sort();
  return paths
    .filter((p) => JSON.stringify(a.get(p)) !== JSON.stringify(b.get(p)))
    .map((p) => ({ path: p, from: show(p, a.get(p)) ?? null, to: show(p, b.get(p)) ?? null }));
}
