/**
 * The MCP server behind `aistack mcp`: the shared tool server (src/mcp/tool-server.ts)
 * on the official SDK's `StdioServerTransport`. It is a thin translator: tools come from
 * the method table (src/mcp/tools.ts), each call goes to the daemon over the socket in
 * this connection's session (session.ts), and answers come back as tool results
 * (src/mcp/render.ts). It keeps no state of its own.
 *
 * Life cycle: `initialize` is answered only once the session is open (named after the
 * client), so the first tool call finds it; when the daemon cannot be reached (or the
 * session joined is not active) `initialize` fails with the reason, and the client shows
 * this server as failed rather than connected. The session ends when stdin closes or
 * `close()` is called (signals, in the command), so a shim never outlives its client.
 *
 * Projects: the session is bound to the client's project (project-root.ts). When the
 * client declares the `roots` capability, its roots can only be asked for once it has
 * initialized, so `initialize` then checks the daemon is reachable and the session opens
 * right after, from the first root (a tool call waits for it); otherwise it opens during
 * `initialize`, from `--project` or the working directory.
 *
 * The tools listed are those the daemon's configuration allows (tool-selection.ts),
 * read from system.status at start, on every reconnect and whenever the daemon says its
 * config changed (`config.watch`, then a `config.changed` notification after each
 * `config reload` that changed something); when the list changes the client gets
 * `notifications/tools/list_changed`. Pushed, not polled: no call is spent while nothing
 * changes, and the client hears of it at once. Memory entries are resources
 * (src/mcp/resources.ts); their subscriptions live on the daemon connection, so a reconnect
 * makes them again. stdout carries MCP messages only; log lines go to `log` (stderr by
 * default), scrubbed of the token like everything else.
 */
import type { Readable, Writable } from 'node:stream';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import type { MethodSpec } from '../../protocol/method.js';
import { MEMORY_CHANGED_NOTIFICATION } from '../../protocol/memory-watch.js';
import { CONFIG_CHANGED_NOTIFICATION } from '../../protocol/system.js';
import { methodTable } from '../../protocol/table.js';
import type { ProjectRef } from '../../protocol/project.js';
import { describeFailure, makeScrubber, type FailureWords } from '../../mcp/render.js';
import { EntryResources } from '../../mcp/resources.js';
import { createToolServer } from '../../mcp/tool-server.js';
import { sameTools, visibleTools, type Features } from '../../mcp/tool-selection.js';
import { buildToolCatalog, type ToolSpec } from '../../mcp/tools.js';
import { DaemonNotRunningError } from '../autostart.js';
import { ConnectionClosedError, RpcError, type AistackClient } from '../client.js';
import { projectOfFolder, projectOfRoots } from '../../mcp/project-root.js';
import { SessionClosedError } from '../../mcp/caller-session.js';
import { ShimSession, SessionJoinError, type SessionCreds } from './session.js';

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
  /** `--tools`: offer only these tool names (already checked against the catalogue). */
  only?: ReadonlySet<string> | undefined;
  /** `--project NAME`: bind to this project, whatever the roots or folder say. */
  project?: ProjectRef | undefined;
  /** The folder the client started the shim in (default: the working directory). */
  cwd?: string;
}

/** How long the client may take to answer `roots/list` before the folder is used instead. */
const ROOTS_TIMEOUT_MS = 5000;

export interface McpShim {
  /** Ends the session (unless kept or joined) and stops serving; safe to call twice. */
  close(reason: string): Promise<void>;
  /** Settles with the reason once the shim has closed. */
  readonly closed: Promise<string>;
}

/** The shim's own failures (the socket, autostart, its session), in words for the model. */
function describeShimFailure(tool: string, err: unknown): FailureWords | undefined {
  if (err instanceof RpcError) return { message: `${tool} failed: ${err.message} [${err.code}]` };
  if (err instanceof ConnectionClosedError)
    return {
      message: `${tool} failed: the connection to the aistack daemon was lost during the call, so it may or may not have taken effect. The next call reconnects.`,
      log: err.message,
    };
  if (err instanceof DaemonNotRunningError)
    return {
      message: `${tool} failed: the aistack daemon is not running and this server was started with --no-autostart. Ask the user to run \`aistack daemon start\`.`,
    };
  if (err instanceof SessionJoinError || err instanceof SessionClosedError)
    return { message: `${tool} failed: ${err.message}.` };
  return undefined;
}

const stderrLog = (line: string) => {
  process.stderr.write(`aistack mcp: ${line}\n`);
};

export async function startMcpShim(options: McpShimOptions): Promise<McpShim> {
  const stdin = options.stdin ?? process.stdin;
  const stdout = options.stdout ?? process.stdout;
  const write = options.log ?? stderrLog;
  const shim = new ShimSession({
    connect: options.connect,
    join: options.join,
    keep: options.keepSession ?? false,
    idleTimeoutMinutes: options.idleTimeoutMinutes,
    callTimeoutMs: options.callTimeoutMs ?? 600_000,
    log: (message) => log(message),
  });
  const { session } = shim;
  const scrub = makeScrubber(() => session.secrets());
  const log = (message: string) => write(scrub(message));

  const catalog = buildToolCatalog(options.methods ?? methodTable);
  let features: Features | undefined;
  let tools: Map<string, ToolSpec> = visibleTools(catalog, features, options.only);
  let initialized = false;

  /** Reads what the config allows now; tells the client when its tool list changed. */
  const refreshTools = async (client: AistackClient) => {
    try {
      ({ features } = await client.call('system.status', {}, options.callTimeoutMs ?? 600_000));
    } catch (err) {
      // Keeps the last known list: a call to a tool that cannot work says why.
      log(
        `could not read the daemon's features: ${describeFailure('startup', err, describeShimFailure).message}`,
      );
      return;
    }
    const next = visibleTools(catalog, features, options.only);
    if (sameTools(next, tools)) return;
    tools = next;
    if (initialized) {
      log(`tools changed: ${[...tools.keys()].join(', ')}`);
      await server.sendToolListChanged().catch(() => undefined);
    }
  };
  const resources = new EntryResources({ session, scrub, log, describeOther: describeShimFailure });
  shim.onConnected = (client) => {
    client.onNotification((method, params) => {
      if (method === CONFIG_CHANGED_NOTIFICATION) void refreshTools(client);
      else if (method === MEMORY_CHANGED_NOTIFICATION) resources.changed(params);
    });
    // The subscriptions of a connection end with it: a reconnect subscribes again.
    if (initialized) setImmediate(() => void resources.resubscribe());
    // Asked for on every connection: a reconnect is a new connection to the daemon.
    client
      .call('config.watch', {}, options.callTimeoutMs ?? 600_000)
      .catch((err) => log(`config changes will not be noticed: ${(err as Error).message}`));
    // A daemon that restarted may run under another config.
    if (initialized) void refreshTools(client);
  };

  const fromFolder = () => projectOfFolder(options.cwd ?? process.cwd());
  let fromRoots = false;
  const server = createToolServer({
    tools: () => tools,
    session,
    resources,
    scrub,
    log,
    describeOther: describeShimFailure,
    initializeFailure: 'aistack mcp could not open its session',
    onInitialize: async ({ clientInfo, capabilities }) => {
      session.setClientInfo(clientInfo);
      fromRoots = options.project === undefined && capabilities.roots !== undefined;
      session.bindProject(
        async () => options.project ?? (fromRoots ? await askRoots() : undefined) ?? fromFolder(),
      );
      // With roots, the session opens once the client has initialized (see above).
      if (!fromRoots) await session.ensure();
      const client = await shim.connect();
      await refreshTools(client);
    },
  });
  const askRoots = async () => {
    try {
      const { roots } = await server.listRoots(undefined, { timeout: ROOTS_TIMEOUT_MS });
      return projectOfRoots(roots);
    } catch (err) {
      log(`the client did not list its roots (${(err as Error).message}); using the folder`);
      return undefined;
    }
  };
  server.oninitialized = () => {
    initialized = true;
    if (fromRoots)
      void session
        .ensure()
        .catch((err: unknown) => log(`could not open the session: ${(err as Error).message}`));
  };
  server.onerror = (err) => log(`MCP protocol error: ${err.message}`);

  let settle!: (reason: string) => void;
  const closed = new Promise<string>((resolve) => (settle = resolve));
  let closing: Promise<void> | undefined;
  const close = (reason: string) =>
    (closing ??= (async () => {
      log(`shutting down (${reason})`);
      await shim.close();
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
