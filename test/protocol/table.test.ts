/**
 * The method table as a contract: every method declares what it answers, in a form
 * that converts to JSON Schema (for `system.methods`, MCP output schemas and clients),
 * and every method has a handler.
 */
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { describeMethod } from '../../src/protocol/method.js';
import { methodTable } from '../../src/protocol/table.js';
import { handlers } from '../../src/rpc/handlers/index.js';

describe('the method table', () => {
  it.each(methodTable.map((m) => [m.name, m] as const))(
    '%s has a result schema that converts to JSON Schema',
    (_name, m) => {
      // Without `unrepresentable: 'any'`: a schema JSON Schema cannot express throws here.
      const schema = z.toJSONSchema(m.result, { io: 'output' }) as Record<string, unknown>;
      expect(
        schema.type ?? schema.anyOf ?? schema.oneOf,
        'the result schema says what it is',
      ).toBeDefined();
      expect(describeMethod(m).result).toEqual(schema);
    },
  );

  it('gives every local-only method the admin scope, and only auth.hello needs none', () => {
    for (const m of methodTable) {
      if (m.access === 'local') expect(m.scope, m.name).toBe('admin');
    }
    expect(methodTable.filter((m) => m.scope === 'none').map((m) => m.name)).toEqual([
      'auth.hello',
    ]);
  });

  it('has one handler per method, and no handler without a method', () => {
    expect(Object.keys(handlers).sort()).toEqual(methodTable.map((m) => m.name).sort());
  });

  it('names each method once, and each MCP tool once', () => {
    const names = methodTable.map((m) => m.name);
    expect(new Set(names).size).toBe(names.length);
    const tools = methodTable.flatMap((m) => ('mcpTool' in m && m.mcpTool ? [m.mcpTool] : []));
    expect(new Set(tools).size).toBe(tools.length);
  });
});
