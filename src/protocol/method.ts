/**
 * What a method is, on the wire: its name, description, who may call it, and the zod
 * schemas of its params AND its result (like tRPC's `.input()` / `.output()`). Declared
 * once in `protocol/`, these drive everything else: the daemon dispatches and validates
 * from them, the typed client takes its param and result types from them, and
 * `system.methods`, the CLI help and the MCP tools' input and output schemas are
 * generated from them. Handlers live in `rpc/handlers/`; nothing here runs code.
 */
import { z } from 'zod';
import type { MethodScope } from './scopes.js';

/**
 * `public`: any client, and exposed as an MCP tool when `mcpTool` is set.
 * `local`: for the local user's own tools (CLI); never exposed to MCP clients.
 */
export type MethodAccess = 'public' | 'local';

/**
 * Where a method is served over HTTP, under `/api/v1`: `path` may hold `:name` segments,
 * which fill params of that name. GET and DELETE take the other params from the query
 * string (coerced to the schema's types), POST/PUT/PATCH from a JSON body. A method
 * without one is still reachable through `POST /api/v1/rpc`.
 */
export interface HttpRoute {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: `/${string}`;
  /**
   * Serve the route only when this query parameter is present: another method declares the
   * same route without it (`GET /memory` lists; `GET /memory?q=…` searches).
   */
  when?: string;
  /** Query-string names of params (`{ q: 'query' }`). */
  aliases?: Record<string, string>;
}

export interface MethodSpec<
  Name extends string = string,
  Params extends z.ZodType = z.ZodType,
  Result extends z.ZodType = z.ZodType,
> {
  name: Name;
  description: string;
  params: Params;
  result: Result;
  access: MethodAccess;
  /** The scope a caller's token must hold; dispatch checks it on every call. */
  scope: MethodScope;
  /** MCP tool name (underscored) when the method is offered to models. */
  mcpTool?: string;
  /**
   * How long dispatch lets one call run before it answers TIMEOUT and aborts the call's
   * signal (ms). Unset: `daemon.requestTimeoutMs`. `null`: the method bounds its own time
   * (a task run has `tasks.timeoutMs`; a reindex reports progress and stops on abort).
   */
  timeoutMs?: number | null;
  /** Its REST route under `/api/v1` (see HttpRoute); none: only through `/api/v1/rpc`. */
  http?: HttpRoute;
}

export function defineMethod<
  Name extends string,
  Params extends z.ZodType,
  Result extends z.ZodType,
>(spec: MethodSpec<Name, Params, Result>): MethodSpec<Name, Params, Result> {
  return spec;
}

/** The JSON Schema (2020-12) of a zod schema, as what it accepts or what it produces. */
export const jsonSchema = (schema: z.ZodType, io: 'input' | 'output') =>
  z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as Record<string, unknown>;

/** A method as `system.methods` and the MCP shim describe it. */
export function describeMethod(m: MethodSpec) {
  return {
    name: m.name,
    description: m.description,
    access: m.access,
    scope: m.scope,
    mcpTool: m.mcpTool ?? null,
    params: jsonSchema(m.params, 'input'),
    result: jsonSchema(m.result, 'output'),
  };
}
