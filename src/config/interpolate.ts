/**
 * `${VAR}` and `${VAR:-default}` in config strings. Values come from the environment at
 * load time, so a key can live in the environment and the file holds only its name.
 * `$${` escapes a literal `${`.
 */

export class InterpolationError extends Error {
  constructor(
    readonly variable: string,
    readonly path: string,
  ) {
    super(`environment variable ${variable} is not set (used at ${path || '<root>'})`);
    this.name = 'InterpolationError';
  }
}

const REFERENCE = /\$\$\{|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

export function interpolateString(text: string, env: NodeJS.ProcessEnv, path = ''): string {
  return text.replace(
    REFERENCE,
    (match, name: string | undefined, fallback: string | undefined) => {
      if (match === '$${') return '${';
      const value = env[name!];
      if (value !== undefined && value !== '') return value;
      if (fallback !== undefined) return fallback;
      throw new InterpolationError(name!, path);
    },
  );
}

/** Deep-interpolates every string in a parsed JSON value. */
export function interpolate(value: unknown, env: NodeJS.ProcessEnv, path = ''): unknown {
  if (typeof value === 'string') return interpolateString(value, env, path);
  if (Array.isArray(value)) return value.map((v, i) => interpolate(v, env, `${path}[${i}]`));
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, interpolate(v, env, path ? `${path}.${k}` : k)]),
    );
  }
  return value;
}

/** True when the string is nothing but references (`${A}` or `${A:-x}`), i.e. holds no literal. */
export function isPureReference(text: string): boolean {
  return text.replace(REFERENCE, '').trim() === '' && text.includes('${');
}
