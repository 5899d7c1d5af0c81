/**
 * The output schemas of the MCP tools, in the form MCP asks for: a JSON Schema whose top
 * level is `type: "object"` (the SDK's client validates every `structuredContent`
 * against it). Method tools answer what their method answers; the session tools, which
 * the server answers itself, have shapes of their own, declared here.
 */
import { z } from 'zod';
import { jsonSchema } from '../protocol/method.js';
import { sessionEndResult, sessionInfoSchema } from '../protocol/session.js';
import type { ToolKind } from './tools.js';

export type ObjectSchema = { type: 'object'; [key: string]: unknown };

/**
 * `schema` with a top-level `type: "object"`. A union of objects gets the type added
 * beside its `anyOf`; anything else is wrapped as `{result}`, as render.ts wraps such an
 * answer. `$schema` is left out (MCP takes 2020-12 as the default).
 */
export function objectSchema(schema: Record<string, unknown>): ObjectSchema {
  const { $schema: _s, ...rest } = schema;
  if (rest.type === 'object') return rest as ObjectSchema;
  const branches = (rest.anyOf ?? rest.oneOf) as Record<string, unknown>[] | undefined;
  if (branches?.every((b) => b.type === 'object')) return { ...rest, type: 'object' };
  const { $defs, ...inner } = rest;
  return {
    type: 'object',
    properties: { result: inner },
    required: ['result'],
    additionalProperties: false,
    ...($defs ? { $defs } : {}),
  };
}

const SCHEMAS: Partial<Record<ToolKind, z.ZodType>> = {
  'session-start': z.strictObject({
    started: z.boolean().describe('False when a session was already active (nothing changed).'),
    session: sessionInfoSchema,
  }),
  'session-active': z.strictObject({
    active: z.boolean(),
    session: sessionInfoSchema.nullable().describe('Null when no session is active.'),
  }),
  'session-end': z.union([
    sessionEndResult,
    z.strictObject({
      ended: z.literal(false),
      reason: z.string().describe('Why nothing was ended.'),
    }),
  ]),
};

/** The output schema of a session tool, or undefined for a tool that answers as its method. */
export function sessionToolOutput(kind: ToolKind): ObjectSchema | undefined {
  const schema = SCHEMAS[kind];
  return schema && objectSchema(jsonSchema(schema, 'output'));
}
