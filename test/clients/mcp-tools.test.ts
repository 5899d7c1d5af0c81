import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineMethod, type MethodSpec } from '../../src/protocol/method.js';
import { buildToolCatalog } from '../../src/mcp/tools.js';
import { makeScrubber } from '../../src/mcp/render.js';

const creds = {
  sessionId: z.string().optional(),
  sessionToken: z.string().optional(),
};

const table = [
  defineMethod({
    name: 'thing.make',
    description: 'Makes a thing.',
    params: z.strictObject({ size: z.number(), ...creds }),
    result: z.strictObject({ made: z.boolean(), at: z.iso.datetime() }),
    access: 'public',
    scope: 'memory:read',
    mcpTool: 'thing_make',
  }),
  defineMethod({
    name: 'thing.purge',
    description: 'Purges every thing of every session.',
    params: z.strictObject({ sessionId: z.string(), force: z.boolean().optional() }),
    result: z.strictObject({ purged: z.number() }),
    access: 'local',
    scope: 'admin',
    mcpTool: 'thing_purge',
  }),
  defineMethod({
    name: 'thing.count',
    description: 'Counts things.',
    params: z.strictObject({}),
    result: z.number(),
    access: 'public',
    scope: 'memory:read',
  }),
  defineMethod({
    name: 'thing.either',
    description: 'Takes one of two shapes.',
    params: z.union([
      z.strictObject({ a: z.string(), sessionToken: z.string() }),
      z.strictObject({ b: z.string(), sessionToken: z.string() }),
    ]),
    result: z.array(z.string()),
    access: 'public',
    scope: 'memory:read',
    mcpTool: 'thing_either',
  }),
] as MethodSpec[];

describe('MCP tool catalogue', () => {
  it('offers public methods with an mcpTool only; local ones never, whatever they are named', () => {
    expect([...buildToolCatalog(table).keys()]).toEqual(['thing_make', 'thing_either']);
  });

  it('cuts the session parameters out of every schema and remembers to add its own', () => {
    const tools = buildToolCatalog(table);
    const make = tools.get('thing_make')!;
    expect(make.sessionBound).toBe(true);
    expect(make.inputSchema).toEqual({
      type: 'object',
      properties: { size: { type: 'number' } },
      required: ['size'],
      additionalProperties: false,
    });
    expect(make.description).toMatch(/^Makes a thing\. This connection's session is used/);
    const either = tools.get('thing_either')!;
    expect(JSON.stringify(either.inputSchema)).not.toContain('sessionToken');
    expect(either.inputSchema.type).toBe('object');
    expect(either.sessionBound).toBe(true);
  });

  it("declares each tool's output as an object schema: the result's, or the result wrapped as {result}", () => {
    const tools = buildToolCatalog(table);
    expect(tools.get('thing_make')!.outputSchema).toEqual({
      type: 'object',
      properties: {
        made: { type: 'boolean' },
        at: expect.objectContaining({ type: 'string', format: 'date-time' }),
      },
      required: ['made', 'at'],
      additionalProperties: false,
    });
    expect(tools.get('thing_either')!.outputSchema).toEqual({
      type: 'object',
      properties: { result: { type: 'array', items: { type: 'string' } } },
      required: ['result'],
      additionalProperties: false,
    });
  });

  it('adds session_active only when the session tools exist', () => {
    expect(buildToolCatalog(table).has('session_active')).toBe(false);
  });
});

describe('output scrubbing', () => {
  const token = `ast_${'A'.repeat(40)}x_-`;
  const scrub = makeScrubber(() => ['the-known-secret']);

  it('masks known secrets and exact token shapes', () => {
    expect(scrub(`a the-known-secret b`)).toBe('a [redacted] b');
    expect(scrub(`token=${token}.`)).toBe('token=ast_[redacted].');
  });

  it('leaves words that merely contain "ast_" alone', () => {
    const text = 'contrast_ratio_threshold_value_for_the_dark_theme_palette and fast_path';
    expect(scrub(text)).toBe(text);
    expect(scrub(`${token}Z`)).toBe(`${token}Z`);
  });
});
