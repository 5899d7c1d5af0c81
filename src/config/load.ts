/**
 * Loading the configuration: find the file, parse it, interpolate `${VAR}`, validate
 * with the schema, and notice a literal secret in a file that others can read. A
 * missing file at the default location means embedded defaults; a missing file that
 * was named explicitly is an error.
 */
import { readFileSync, statSync } from 'node:fs';
import { z } from 'zod';
import { configSchema, defaultConfig, type Config } from './schema.js';
import { interpolate, InterpolationError, isPureReference } from './interpolate.js';
import { isSecretKeyName, looksLikeSecret } from './secrets.js';
import { resolveConfigPath } from './paths.js';

export class ConfigError extends Error {
  constructor(
    message: string,
    readonly file: string | undefined,
    readonly issues: { path: string; message: string }[] = [],
  ) {
    super(message);
    this.name = 'ConfigError';
  }
}

export interface LoadedConfig {
  config: Config;
  /** The file it came from, or undefined for embedded defaults. */
  file: string | undefined;
  /** Problems worth a warning (and an audit record) that do not stop the daemon. */
  warnings: ConfigWarning[];
  /** Secret values found in the config after interpolation, for the redactor. */
  secrets: string[];
}

export interface ConfigWarning {
  code: 'CONFIG_LITERAL_SECRET_READABLE' | 'CONFIG_LITERAL_SECRET';
  message: string;
  file: string;
  fields: string[];
}

function formatPath(path: PropertyKey[]): string {
  return path
    .map((p) => (typeof p === 'number' ? `[${p}]` : String(p)))
    .join('.')
    .replace(/\.\[/g, '[');
}

/** Fields whose raw value is a literal secret rather than a `${VAR}` reference. */
function literalSecretFields(raw: unknown, path = ''): string[] {
  if (typeof raw === 'string') {
    const key = path.split('.').pop() ?? '';
    const secretByName = isSecretKeyName(key) && raw !== '' && !isPureReference(raw);
    return secretByName || looksLikeSecret(raw) ? [path] : [];
  }
  if (Array.isArray(raw)) return raw.flatMap((v, i) => literalSecretFields(v, `${path}[${i}]`));
  if (raw && typeof raw === 'object') {
    return Object.entries(raw).flatMap(([k, v]) =>
      literalSecretFields(v, path ? `${path}.${k}` : k),
    );
  }
  return [];
}

function collectSecretValues(value: unknown, key = ''): string[] {
  if (typeof value === 'string') return isSecretKeyName(key) && value ? [value] : [];
  if (Array.isArray(value)) return value.flatMap((v) => collectSecretValues(v, key));
  if (value && typeof value === 'object') {
    return Object.entries(value).flatMap(([k, v]) => collectSecretValues(v, k));
  }
  return [];
}

/** Validates an already-parsed object; throws ConfigError with field paths. */
export function parseConfig(raw: unknown, env: NodeJS.ProcessEnv, file?: string): Config {
  let interpolated: unknown;
  try {
    interpolated = interpolate(raw, env);
  } catch (err) {
    if (err instanceof InterpolationError) {
      throw new ConfigError(`${file ?? 'config'}: ${err.message}`, file, [
        { path: err.path, message: err.message },
      ]);
    }
    throw err;
  }
  const result = configSchema.safeParse(interpolated);
  if (!result.success) {
    const issues = result.error.issues.map((i) => ({
      path: formatPath(i.path) || '<root>',
      message: i.message,
    }));
    const lines = issues.map((i) => `  ${i.path}: ${i.message}`).join('\n');
    throw new ConfigError(`${file ?? 'config'} is invalid:\n${lines}`, file, issues);
  }
  return result.data;
}

export function loadConfig(
  options: { flag?: string | undefined; env?: NodeJS.ProcessEnv } = {},
): LoadedConfig {
  const env = options.env ?? process.env;
  const { path, explicit } = resolveConfigPath(options.flag, env);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' && !explicit) {
      return { config: defaultConfig(), file: undefined, warnings: [], secrets: [] };
    }
    throw new ConfigError(`cannot read config file ${path}: ${(err as Error).message}`, path);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new ConfigError(`${path} is not valid JSON: ${(err as Error).message}`, path);
  }
  const config = parseConfig(raw, env, path);
  const warnings: ConfigWarning[] = [];
  const literal = literalSecretFields(raw);
  if (literal.length > 0) {
    const mode = statSync(path).mode & 0o777;
    if (mode & 0o077) {
      warnings.push({
        code: 'CONFIG_LITERAL_SECRET_READABLE',
        file: path,
        fields: literal,
        message: `${path} holds a literal secret (${literal.join(', ')}) and is readable by others (mode ${mode.toString(8)}): run chmod 600 ${path}, or better, move the secret to an environment variable and write \${VAR}`,
      });
    } else {
      warnings.push({
        code: 'CONFIG_LITERAL_SECRET',
        file: path,
        fields: literal,
        message: `${path} holds a literal secret (${literal.join(', ')}); prefer an environment variable and \${VAR}`,
      });
    }
  }
  return { config, file: path, warnings, secrets: collectSecretValues(config) };
}

/** The JSON Schema of the config file, for editors and `config/aistack.config.schema.json`. */
export function configJsonSchema(): unknown {
  return z.toJSONSchema(configSchema, { io: 'input' });
}
