/**
 * One MCP session at /mcp: the SDK's `StreamableHTTPServerTransport` (stateful: it
 * hands out the Mcp-Session-Id), the shared tool server (src/mcp/tool-server.ts) and
 * one aistack session, opened at `initialize` and named after the MCP client. Its calls
 * run on a dispatch connection of its own that carries the bearer token's principal, so
 * they pass the same scope checks, validation and audit as every other request.
 *
 * The session token lives in the `CallerSession` only: it is added to calls inside the
 * daemon and scrubbed from every result; it never crosses HTTP. Closing (DELETE /mcp,
 * the transport closing, the idle sweep, the daemon stopping) ends the aistack session —
 * deleting its private entries — and frees everything, once.
 *
 * Projects, as the shim binds them (README "Projects over HTTP"): a `project` named on
 * the initialize request (`?project=NAME` or `X-Aistack-Project`, checked by
 * mcp-sessions.ts) binds the session at once; else, when the client declares `roots`,
 * the session opens at the first tool call, from the client's first root — asked with
 * `roots/list` on that call's own response stream (a request on the standalone stream
 * is lost when the client has not opened it yet) and with a time limit, past which the
 * session opens unbound. A client on this machine (loopback) lists folders the daemon
 * can look at: the git top level names the project. Any other client lists folders of
 * its own machine, so its project comes from the path's text alone (project-root.ts).
 * The binding holds for the session's life and for any fresh session after session_end.
 *
 * Resource subscriptions are memory.subscribe on that dispatch connection: its
 * `memory.changed` notices go to the client as `notifications/resources/updated` (on the
 * session's standalone SSE stream), and they end with the MCP session.
 *
 * Tool selection follows the shim's: the features system.status reports, re-read when a
 * config reload changed something (the connection watches `config.changed`, as the shim
 * does over the socket), with `notifications/tools/list_changed` when the list changes.
 */
import { randomUUID } from 'node:crypto';
import type { Server } from '@modelcontextprotocol/sdk/server/index.js';
import type { RequestId } from '@modelcontextprotocol/sdk/types.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { Logger } from 'pino';
import { CallerSession } from '../../mcp/caller-session.js';
import { projectOfRootText, projectOfRoots, ROOTS_TIMEOUT_MS } from '../../mcp/project-root.js';
import { describeFailure, makeScrubber } from '../../mcp/render.js';
import { EntryResources } from '../../mcp/resources.js';
import { createToolServer } from '../../mcp/tool-server.js';
import { sameTools, visibleTools, type Features } from '../../mcp/tool-selection.js';
import type { ToolSpec } from '../../mcp/tools.js';
import type { ProjectRef } from '../../protocol/project.js';
import { MEMORY_CHANGED_NOTIFICATION } from '../../protocol/memory-watch.js';
import { CONFIG_CHANGED_NOTIFICATION } from '../../protocol/system.js';
import type { DispatchConnection, Dispatcher } from '../../rpc/dispatch.js';
import type { Principal } from '../../services/access/tokens.js';
import { dispatchCaller } from './dispatch-caller.js';

export interface McpSessionDeps {
  dispatcher: Dispatcher;
  principal: Principal;
  catalog: ReadonlyMap<string, ToolSpec>;
  logger: Logger;
  /** A number for the session's dispatch connection, unique among the daemon's. */
  connectionId: number;
  /** The aistack session's idle timeout: that of the MCP session, so neither outlives the other. */
  idleTimeoutMinutes: () => number;
  now: () => number;
  /** The project named on the initialize request (it overrides the client's roots). */
  project: ProjectRef | undefined;
  /** The client is on this machine (loopback), so its roots are folders the daemon can read. */
  localClient: boolean;
  /** Called when the transport hands out the session's id (before `initialize` is answered). */
  onIdentified(session: McpHttpSession, id: string): void;
  /** Called once the session has closed, to drop it from the registry. */
  onClosed(session: McpHttpSession): void;
}

export class McpHttpSession {
  readonly transport: StreamableHTTPServerTransport;
  /** The fingerprint of the token that opened it: only that token may use it. */
  readonly owner: string;
  lastActivity: number;
  private readonly connection: DispatchConnection;
  private readonly session: CallerSession;
  private readonly server: Server;
  private readonly resources: EntryResources;
  private tools: Map<string, ToolSpec>;
  private features: Features | undefined;
  private initialized = false;
  /** `initialize` failed (no aistack session could be opened): nothing more will work. */
  failed = false;
  private closing: Promise<void> | undefined;
  /** The session opens at the first tool call, from the client's roots. */
  private fromRoots = false;
  private firstCall: Promise<void> | undefined;
  /** The tool call whose response stream carries `roots/list`. */
  private rootsRequest: RequestId | undefined;
  private readonly log: (message: string) => void;

  constructor(private readonly deps: McpSessionDeps) {
    const { dispatcher, principal } = deps;
    this.owner = principal.fingerprint;
    this.lastActivity = deps.now();
    this.connection = dispatcher.connect({
      id: deps.connectionId,
      transport: 'http',
      notify: (method, params) => {
        // Deferred: the reload notifies before the daemon has put the new config in
        // place, and a socket client's answer only arrives after that turn anyway.
        if (method === CONFIG_CHANGED_NOTIFICATION) setImmediate(() => void this.refreshTools());
        else if (method === MEMORY_CHANGED_NOTIFICATION) this.resources.changed(params);
        return !this.closed;
      },
    });
    this.connection.principal = principal;
    this.connection.watching.add(CONFIG_CHANGED_NOTIFICATION);
    const caller = dispatchCaller(dispatcher, this.connection);
    const logger = deps.logger.child({ component: 'mcp-http', connection: deps.connectionId });
    this.session = new CallerSession({
      caller,
      via: 'http /mcp',
      metadata: { token: principal.name },
      // That of the MCP session, so neither outlives the other (a fresh one after session_end too).
      idleTimeoutMinutes: () => deps.idleTimeoutMinutes(),
      log: (m) => this.log(m),
    });
    const scrub = makeScrubber(() => this.session.secrets());
    this.log = (m) => logger.info(scrub(m));
    this.resources = new EntryResources({ session: this.session, scrub, log: this.log });
    this.tools = visibleTools(deps.catalog, undefined, undefined);
    this.transport = new StreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      onsessioninitialized: (id) => deps.onIdentified(this, id),
      // DELETE /mcp: answered once the aistack session has ended.
      onsessionclosed: () => this.close('closed by the client (DELETE /mcp)'),
    });
    this.server = createToolServer({
      tools: () => this.tools,
      session: this.session,
      resources: this.resources,
      scrub,
      log: this.log,
      initializeFailure: 'aistack could not open a session for this MCP connection',
      onInitialize: async ({ clientInfo, capabilities }) => {
        this.session.setClientInfo(clientInfo);
        const explicit = deps.project;
        // A token that may not open sessions fails initialize (below), roots or not.
        const maySessions = principal.scopes.has('sessions') || principal.scopes.has('admin');
        this.fromRoots = !explicit && capabilities.roots !== undefined && maySessions;
        this.session.bindProject(
          async () => explicit ?? (this.fromRoots ? await this.askRoots() : undefined),
        );
        if (!this.fromRoots) {
          try {
            await this.session.ensure();
          } catch (err) {
            this.failed = true;
            throw err;
          }
        }
        await this.refreshTools();
      },
      beforeCall: (requestId) => {
        if (!this.fromRoots) return Promise.resolve();
        // The first call opens the session; any call meanwhile waits for it. A failure
        // is logged here and told by the call itself, which tries to open it again.
        return (this.firstCall ??= (async () => {
          this.rootsRequest = requestId;
          await this.session.ensure().catch((err: unknown) => {
            this.log(`could not open the session: ${describeFailure('startup', err).message}`);
          });
        })());
      },
    });
    this.server.oninitialized = () => {
      this.initialized = true;
    };
    this.server.onclose = () => void this.close('transport closed');
    this.server.onerror = (err) => this.log(`MCP protocol error: ${err.message}`);
  }

  /** Connects the tool server to the transport; call before the first request. */
  start(): Promise<void> {
    return this.server.connect(this.transport);
  }

  /** The Mcp-Session-Id, once `initialize` has been accepted. */
  get id(): string | undefined {
    return this.transport.sessionId;
  }

  /** The aistack session's public id, once open. */
  get aistackSessionId(): string | undefined {
    return this.session.id;
  }

  /** The project of the client's first root, if it lists one in time. */
  private async askRoots(): Promise<ProjectRef | undefined> {
    try {
      const { roots } = await this.server.listRoots(undefined, {
        timeout: ROOTS_TIMEOUT_MS,
        relatedRequestId: this.rootsRequest,
      });
      const ref = this.deps.localClient ? projectOfRoots(roots) : projectOfRootText(roots);
      if (!ref) this.log(`no project in the client's ${roots.length} roots`);
      return ref;
    } catch (err) {
      this.log(`the client did not list its roots (${(err as Error).message}); no project`);
      return undefined;
    }
  }

  /** Reads what the config allows now; tells the client when its tool list changed. */
  private async refreshTools(): Promise<void> {
    try {
      const status = (await dispatchCaller(this.deps.dispatcher, this.connection).call(
        'system.status',
        {},
      )) as { features: Features };
      this.features = status.features;
    } catch (err) {
      // Keeps the last known list: a call to a tool that cannot work says why.
      this.log(`could not read the daemon's features: ${describeFailure('startup', err).message}`);
      return;
    }
    const next = visibleTools(this.deps.catalog, this.features, undefined);
    if (sameTools(next, this.tools)) return;
    this.tools = next;
    if (this.initialized) {
      this.log(`tools changed: ${[...this.tools.keys()].join(', ')}`);
      await this.server.sendToolListChanged().catch(() => undefined);
    }
  }

  /** Ends the aistack session and frees the MCP session; safe to call twice. */
  close(reason: string): Promise<void> {
    this.closing ??= (async () => {
      this.log(`MCP session closing (${reason})`);
      await this.session.close();
      this.deps.dispatcher.disconnect(this.connection);
      this.deps.onClosed(this);
      await this.server.close().catch(() => undefined);
    })();
    return this.closing;
  }

  get closed(): boolean {
    return this.closing !== undefined;
  }
}
