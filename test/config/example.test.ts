import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { configJsonSchema, parseConfig } from '../../src/config/load.js';

const root = new URL('../../', import.meta.url);
const read = (p: string) => JSON.parse(readFileSync(new URL(p, root), 'utf8'));

/** Every property path a JSON Schema describes (objects only). */
function schemaPaths(schema: Record<string, unknown>, prefix = ''): string[] {
  const props = (schema.properties ?? {}) as Record<string, Record<string, unknown>>;
  return Object.entries(props).flatMap(([k, v]) => {
    const path = prefix ? `${prefix}.${k}` : k;
    const inner = v.anyOf
      ? ((v.anyOf as Record<string, unknown>[]).find((s) => s.properties) ?? v)
      : v;
    return inner.properties ? [path, ...schemaPaths(inner, path)] : [path];
  });
}

function valuePaths(value: unknown, prefix = ''): string[] {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return [];
  return Object.entries(value).flatMap(([k, v]) => {
    const path = prefix ? `${prefix}.${k}` : k;
    return [path, ...valuePaths(v, path)];
  });
}

describe('config/aistack.config.example.json', () => {
  it('validates, with its ${VAR}s set', () => {
    expect(() =>
      parseConfig(read('config/aistack.config.example.json'), {
        ANTHROPIC_API_KEY: 'x',
        OPENAI_API_KEY: 'y',
      }),
    ).not.toThrow();
  });

  it('shows every field of the schema', () => {
    const schema = configJsonSchema() as Record<string, unknown>;
    const missing = schemaPaths(schema).filter(
      (p) => !valuePaths(read('config/aistack.config.example.json')).includes(p),
    );
    expect(missing).toEqual([]);
  });

  it('matches the committed JSON Schema (regenerate with node scripts/gen-config-schema.mjs)', () => {
    expect(read('config/aistack.config.schema.json')).toEqual(configJsonSchema());
  });
});
