/**
 * The MCP server behind `aistack mcp`, on the official SDK's low-level `Server` and
 * `StdioServerTransport`. It is a thin translator: tools come from the method table
 * (tools.ts), each call goes to the daemon in this connection's session (session.ts),
 * and answers come back as tool results (render.ts). It keeps no state of its own.
 *
 * Life cycle: the session opens once the client has initialized (named after the
 * client) and ends when stdin closes or `close()` is called (signals, in the command),
 * so a shim never outlives its client. stdout carries MCP messages only; log lines go
 * to `log` (stderr by default), scrubbed of the token like everything else.
 */
import type { Readable, Writable } from 'node:stream';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { CallToolRequestSchema, ListToolsRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import type { MethodSpec } from '../../protocol/method.js';
import { methodTable } from '../../protocol/table.js';
import { VERSION } from '../../core/version.js';
import type { AistackClient } from '../client.js';
import { callTool } from './call-tool.js';
import { describeFailure, makeScrubber } from './render.js';
import { ShimSession, type SessionCreds } from './session.js';
import { buildToolCatalog, INSTRUCTIONS, type ToolSpec } from './tools.js';

export interface McpShimOptions {
  /** Connects to the daemon, starting it when allowed. */
  connect(): Promise<AistackClient>;
  join?: SessionCreds | undefined;
  keepSession?: boolean;
  idleTimeoutMinutes?: number | undefined;
  /**
   * Limit on each call to the daemon (default 10 min): a backstop against a stuck
   * daemon, which enforces its own, shorter limits on GitHub and provider calls.
   */
  callTimeoutMs?: number;
  stdin?: Readable;
  stdout?: Writable;
  /** Where log lines go (default: stderr). */
  log?: (line: string) => void;
  /** The method table to offer (default: the daemon's). */
  methods?: readonly MethodSpec[];
}

export interface McpShim {
  /** Ends the session (unless kept or joined) and stops serving; safe to call twice. */
  close(reason: string): Promise<void>;
  /** Settles with the reason once the shim has closed. */
  readonly closed: Promise<string>;
}

/**
 * The SDK validates elicitation answers with Ajv, built when the server is. The shim
 * never elicits, so it skips that cost at every start; were it ever asked, it refuses.
 */
const NO_ELICITATION = {
  getValidator: () => () => ({
    valid: false as const,
    data: undefined,
    errorMessage: 'aistack mcp does not use elicitation',
  }),
};

const stderrLog = (line: string) => {
  process.stderr.write(`aistack mcp: ${line}\n`);
};

export async function startMcpShim(options: McpShimOptions): Promise<McpShim> {
  const stdin = options.stdin ?? process.stdin;
  const stdout = options.stdout ?? process.stdout;
  const write = options.log ?? stderrLog;
  const session = new ShimSession({
    connect: options.connect,
    join: options.join,
    keep: options.keepSession ?? false,
    idleTimeoutMinutes: options.idleTimeoutMinutes,
    callTimeoutMs: options.callTimeoutMs ?? 600_000,
    log: (message) => log(message),
  });
  const scrub = makeScrubber(() => session.secrets());
  const log = (message: string) => write(scrub(message));

  let catalog: Map<string, ToolSpec> | undefined;
  const tools = () => (catalog ??= buildToolCatalog(options.methods ?? methodTable));

  const server = new Server(
    { name: 'aistack', version: VERSION },
    {
      capabilities: { tools: {} },
      instructions: INSTRUCTIONS,
      jsonSchemaValidator: NO_ELICITATION,
    },
  );
  server.setRequestHandler(ListToolsRequestSchema, () => ({
    tools: [...tools().values()].map((t) => ({
      name: t.name,
      description: t.description,
      inputSchema: t.inputSchema,
      outputSchema: t.outputSchema,
      ...(t.annotations && { annotations: t.annotations }),
    })),
  }));
  server.setRequestHandler(CallToolRequestSchema, (request) => {
    // A client may call before it sends `initialized`; the session still gets its name.
    session.setClientInfo(server.getClientVersion());
    return callTool(
      { tools: tools(), session, scrub, log },
      request.params.name,
      request.params.arguments,
    );
  });
  server.oninitialized = () => {
    session.setClientInfo(server.getClientVersion());
    // Opened now so the session is there from the start; if the daemon cannot be
    // reached yet, the first tool call tries again and reports why.
    session
      .ensure()
      .catch((err) => log(`no session yet: ${describeFailure('startup', err).message}`));
  };
  server.onerror = (err) => log(`MCP protocol error: ${err.message}`);

  let settle!: (reason: string) => void;
  const closed = new Promise<string>((resolve) => (settle = resolve));
  let closing: Promise<void> | undefined;
  const close = (reason: string) =>
    (closing ??= (async () => {
      log(`shutting down (${reason})`);
      await session.close();
      await server.close().catch(() => undefined);
      settle(reason);
    })());

  // The client closing stdin is how it says goodbye: leave with it, so stale shims
  // never pile up.
  stdin.once('end', () => void close('stdin closed'));
  stdin.once('close', () => void close('stdin closed'));
  stdout.on('error', () => void close('stdout closed'));

  await server.connect(new StdioServerTransport(stdin, stdout));
  return { close, closed };
}
