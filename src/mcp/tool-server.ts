/**
 * The MCP server both transports share: the official SDK's low-level `Server` with the
 * tool handlers (list, call), memory entries as resources (resources.ts) and
 * `initialize` answered only once the connection's session is open. The stdio shim connects it to stdin/stdout; the daemon connects one
 * per MCP session to a Streamable HTTP transport. What differs — where the session
 * lives, how failures of the transport read — comes in through the options.
 */
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import {
  CallToolRequestSchema,
  ErrorCode,
  InitializeRequestSchema,
  ListToolsRequestSchema,
  McpError,
  type InitializeRequest,
  type InitializeResult,
  type RequestId,
} from '@modelcontextprotocol/sdk/types.js';
import { VERSION } from '../core/version.js';
import type { ToolSession } from './caller.js';
import { callTool } from './call-tool.js';
import type { DescribeOther, Scrub } from './render.js';
import type { EntryResources } from './resources.js';
import { INSTRUCTIONS, type ToolSpec } from './tools.js';

export interface ToolServerOptions {
  /** The tools offered now (read on every list and call). */
  tools(): ReadonlyMap<string, ToolSpec>;
  session: ToolSession;
  /** Memory entries as resources, read and subscribed in the same session. */
  resources: EntryResources;
  scrub: Scrub;
  log(message: string): void;
  describeOther?: DescribeOther;
  /**
   * Runs before `initialize` is answered (opens the session); a throw fails `initialize`
   * with its message, for a person to read.
   */
  onInitialize(params: InitializeRequest['params']): Promise<void>;
  /** Words before the reason when `onInitialize` fails. */
  initializeFailure: string;
  /**
   * Runs before each tool call, with the call's request id (MCP over HTTP opens its
   * session at the first, asking `roots/list` on that call's own stream).
   */
  beforeCall?(requestId: RequestId): Promise<void>;
}

/**
 * The SDK validates elicitation answers with Ajv, built when the server is. aistack
 * never elicits, so it skips that cost at every start; were it ever asked, it refuses.
 */
const NO_ELICITATION = {
  getValidator: () => () => ({
    valid: false as const,
    data: undefined,
    errorMessage: 'aistack does not use elicitation',
  }),
};

export function createToolServer(o: ToolServerOptions): Server {
  const server = new Server(
    { name: 'aistack', version: VERSION },
    {
      capabilities: {
        tools: { listChanged: true },
        resources: { subscribe: true, listChanged: false },
      },
      instructions: INSTRUCTIONS,
      jsonSchemaValidator: NO_ELICITATION,
    },
  );
  // The SDK answers `initialize` at once; here the session opens first, so a client
  // never sees "connected" before a tool call can work, nor when none can.
  const answerInitialize = (
    server as unknown as { _oninitialize(r: InitializeRequest): Promise<InitializeResult> }
  )._oninitialize.bind(server);
  server.setRequestHandler(InitializeRequestSchema, async (request) => {
    try {
      await o.onInitialize(request.params);
    } catch (err) {
      // For a person (the client shows it as why the server failed), not a model.
      const why = err instanceof Error ? err.message : String(err);
      const message = o.scrub(`${o.initializeFailure}: ${why}`);
      o.log(`initialize failed: ${message}`);
      throw new McpError(ErrorCode.InternalError, message);
    }
    return answerInitialize(request);
  });
  o.resources.install(server);
  server.setRequestHandler(ListToolsRequestSchema, () => ({
    tools: [...o.tools().values()].map((t) => ({
      name: t.name,
      description: t.description,
      inputSchema: t.inputSchema,
      outputSchema: t.outputSchema,
      annotations: t.annotations,
    })),
  }));
  server.setRequestHandler(CallToolRequestSchema, async (request, extra) => {
    await o.beforeCall?.(extra.requestId);
    return callTool(
      {
        tools: o.tools(),
        session: o.session,
        scrub: o.scrub,
        log: o.log,
        describeOther: o.describeOther,
      },
      request.params.name,
      request.params.arguments,
    );
  });
  return server;
}
