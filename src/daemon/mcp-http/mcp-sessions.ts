/**
 * MCP over Streamable HTTP at `/mcp`: the open MCP sessions and the three routes the
 * transport answers (POST for messages, GET for the server's SSE stream, DELETE to end
 * a session). The front door's hooks have run before any of this: Host/Origin guard,
 * bearer authentication, rate limit and body limit apply to /mcp as to every route.
 *
 * A session belongs to the token that opened it: a request naming its Mcp-Session-Id
 * with any other token is answered as if the session did not exist (404), so a session
 * id that leaks is no use without its token. Each token may hold
 * `http.mcp.maxSessionsPerToken` sessions; one more `initialize` is refused 503 BUSY.
 * A session without a request for `http.mcp.idleTimeoutMinutes` is closed by a sweep
 * (every 30 s), which ends its aistack session; the client then gets 404 and, as the
 * MCP specification asks, initializes a new one.
 *
 * The initialize request may name the session's project (`?project=NAME`, else the
 * `X-Aistack-Project` header), checked as `session.start` checks a project name: a bad
 * one is refused 400 before any session opens. Whether the client is on this machine
 * (its TCP peer is loopback; proxy headers are not trusted for this) decides whether its
 * roots are folders the daemon may look at (mcp-session.ts).
 */
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import type { Config } from '../../config/schema.js';
import { ERROR_HTTP_STATUS } from '../../protocol/http-status.js';
import { projectRefSchema, type ProjectRef } from '../../protocol/project.js';
import type { MethodSpec } from '../../protocol/method.js';
import { buildToolCatalog, type ToolSpec } from '../../mcp/tools.js';
import type { Dispatcher } from '../../rpc/dispatch.js';
import type { ErrorReply } from '../../rpc/error-path.js';
import { McpHttpSession } from './mcp-session.js';

export const MCP_PATH = '/mcp';
const SESSION_HEADER = 'mcp-session-id';
const SWEEP_MS = 30_000;
export const PROJECT_HEADER = 'x-aistack-project';

/** Whether a TCP peer address is this machine's loopback (IPv4, IPv6, IPv4-mapped). */
export function isLoopback(address: string | undefined): boolean {
  if (!address) return false;
  const v4 = address.startsWith('::ffff:') ? address.slice(7) : address;
  return v4.startsWith('127.') || address === '::1';
}

/** The project the initialize request names, if any, or why it cannot be used. */
function requestedProject(req: FastifyRequest): { ref?: ProjectRef; refusal?: string } {
  const query = (req.query as Record<string, unknown> | undefined)?.project;
  const header = req.headers[PROJECT_HEADER];
  const [from, value] =
    query !== undefined ? ['the project query parameter', query] : [PROJECT_HEADER, header];
  if (value === undefined) return {};
  const parsed = projectRefSchema.safeParse({ name: value });
  if (parsed.success) return { ref: parsed.data };
  const why = parsed.error.issues.map((i) => i.message).join('; ');
  return {
    refusal: `${from} does not name a project: ${why} (give one name, 1 to 200 characters)`,
  };
}

export interface McpSessionsDeps {
  dispatcher: Dispatcher;
  methods: readonly MethodSpec[];
  config: () => Config['http']['mcp'];
  logger: Logger;
  nextConnectionId: () => number;
  now?: () => number;
}

export class McpSessions {
  private readonly byId = new Map<string, McpHttpSession>();
  /** Every session not yet closed, including those still initializing (no id yet). */
  private readonly open = new Set<McpHttpSession>();
  private readonly catalog: ReadonlyMap<string, ToolSpec>;
  private readonly sweep: NodeJS.Timeout;
  private readonly now: () => number;

  constructor(private readonly deps: McpSessionsDeps) {
    this.catalog = buildToolCatalog(deps.methods);
    this.now = deps.now ?? Date.now;
    this.sweep = setInterval(() => void this.closeIdle(), SWEEP_MS).unref();
  }

  /** MCP sessions open now. */
  get count(): number {
    return this.open.size;
  }

  /** Adds POST, GET and DELETE /mcp to the front door. */
  register(app: FastifyInstance): void {
    const handler = (req: FastifyRequest, reply: FastifyReply) => this.handle(req, reply);
    app.post(MCP_PATH, handler);
    app.get(MCP_PATH, handler);
    app.delete(MCP_PATH, handler);
  }

  private async handle(req: FastifyRequest, reply: FastifyReply): Promise<unknown> {
    const principal = req.principal!;
    const header = req.headers[SESSION_HEADER];
    const id = typeof header === 'string' ? header : undefined;
    let session: McpHttpSession | undefined;
    if (id !== undefined) {
      session = this.byId.get(id);
      // Another token's session is not there, as far as this caller can tell.
      if (!session || session.closed || session.owner !== principal.fingerprint)
        return this.refuse(
          reply,
          'NOT_FOUND',
          'no such MCP session (it ended, idled out or never existed): initialize a new one',
        );
    } else if (req.method === 'POST' && isInitializeRequest(req.body)) {
      const max = this.deps.config().maxSessionsPerToken;
      const held = [...this.open].filter((s) => s.owner === principal.fingerprint).length;
      if (held >= max)
        return this.refuse(
          reply,
          'BUSY',
          `token "${principal.name}" already holds ${held} open MCP sessions (http.mcp.maxSessionsPerToken = ${max}); close one (DELETE /mcp) or wait for one to idle out`,
        );
      const project = requestedProject(req);
      if (project.refusal) return this.refuse(reply, 'INVALID_PARAMS', project.refusal);
      session = new McpHttpSession({
        dispatcher: this.deps.dispatcher,
        principal,
        catalog: this.catalog,
        logger: this.deps.logger,
        connectionId: this.deps.nextConnectionId(),
        idleTimeoutMinutes: () => this.deps.config().idleTimeoutMinutes,
        now: this.now,
        project: project.ref,
        localClient: isLoopback(req.socket.remoteAddress),
        onIdentified: (s, sid) => this.byId.set(sid, s),
        onClosed: (s) => this.forget(s),
      });
      this.open.add(session);
      await session.start();
    } else {
      return this.refuse(
        reply,
        'INVALID_REQUEST',
        `${req.method} /mcp needs an Mcp-Session-Id header, except for the initialize request`,
      );
    }
    session.lastActivity = this.now();
    // Headers the hooks set on the reply (CORS, rate limit) go on what the transport sends.
    for (const [name, value] of Object.entries(reply.getHeaders()))
      if (value !== undefined) reply.raw.setHeader(name, value);
    reply.hijack();
    try {
      await session.transport.handleRequest(req.raw, reply.raw, req.body);
    } catch (err) {
      // The reply is the transport's now: nothing can be sent on it but an end.
      this.deps.logger.error({ err }, 'MCP transport failed on a request');
      if (!reply.raw.headersSent) reply.raw.writeHead(500);
      reply.raw.end();
    }
    // An initialize the transport refused (headers, version) leaves no session id; one
    // whose aistack session could not open leaves nothing that works: free either now.
    if (session.id === undefined || session.failed) await session.close('initialize failed');
    return undefined;
  }

  private refuse(
    reply: FastifyReply,
    code: 'NOT_FOUND' | 'BUSY' | 'INVALID_REQUEST' | 'INVALID_PARAMS',
    message: string,
  ) {
    const r: ErrorReply = this.deps.dispatcher.refusal(code, message, this.deps.nextConnectionId());
    return reply.code(ERROR_HTTP_STATUS[code]).send(r);
  }

  private forget(session: McpHttpSession): void {
    this.open.delete(session);
    if (session.id !== undefined && this.byId.get(session.id) === session)
      this.byId.delete(session.id);
  }

  /** Closes the sessions idle past `http.mcp.idleTimeoutMinutes`. */
  async closeIdle(): Promise<number> {
    const limit = this.deps.config().idleTimeoutMinutes * 60_000;
    const idle = [...this.open].filter((s) => this.now() - s.lastActivity > limit);
    await Promise.all(idle.map((s) => s.close('idle')));
    return idle.length;
  }

  /** Closes every session (the daemon is stopping): their aistack sessions end. */
  async closeAll(reason: string): Promise<void> {
    clearInterval(this.sweep);
    await Promise.all([...this.open].map((s) => s.close(reason)));
  }
}
