/**
 * What a method is. Each method is declared once — name, zod params, description, who
 * may call it, handler — and everything else (dispatch, `system.methods`, the typed
 * client, CLI help, MCP tool schemas) is derived from that declaration.
 *
 * Handlers reach the daemon only through `CallContext`, and this module imports
 * services as types only, so a thin client can load the method table (for types and
 * schemas) without loading SQLite.
 */
import { z } from 'zod';
import type { Services } from '../services/services.js';

export interface ConnectionInfo {
  readonly id: number;
  /** Sends a JSON-RPC notification to this connection only (streaming output). */
  notify(method: string, params: unknown): boolean;
  readonly closed: boolean;
  onClose(listener: () => void): void;
}

export interface CallContext {
  services: Services;
  connection: ConnectionInfo;
  /** The table this call was dispatched from (for `system.methods`). */
  methods: readonly MethodDef[];
}

/**
 * `public`: any client, and exposed as an MCP tool when `mcpTool` is set.
 * `local`: for the local user's own tools (CLI); never exposed to MCP clients.
 */
export type MethodAccess = 'public' | 'local';

export interface MethodDef<
  Name extends string = string,
  Params extends z.ZodType = z.ZodType,
  Result = unknown,
> {
  name: Name;
  description: string;
  params: Params;
  access: MethodAccess;
  /** MCP tool name (underscored) when the method is offered to models. */
  mcpTool?: string;
  handler(params: z.output<Params>, ctx: CallContext): Result | Promise<Result>;
}

/** A method as `system.methods` and the MCP shim describe it. */
export function describeMethod(m: MethodDef) {
  return {
    name: m.name,
    description: m.description,
    access: m.access,
    mcpTool: m.mcpTool ?? null,
    params: z.toJSONSchema(m.params, { io: 'input', unrepresentable: 'any' }) as Record<
      string,
      unknown
    >,
  };
}

export function defineMethod<Name extends string, Params extends z.ZodType, Result>(
  def: MethodDef<Name, Params, Result>,
): MethodDef<Name, Params, Result> {
  return def;
}
