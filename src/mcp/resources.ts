/**
 * Memory entries as MCP resources, for both transports (the stdio shim and /mcp). Each
 * entry the connection's session may read is the resource
 * `aistack://memory/{namespace}/{key}` (both parts percent-encoded, so a `/` or `:` in
 * either stays inside its part): `resources/list` pages through what memory.list shows
 * the session (its own namespace, its project's, the shared ones), `resources/read`
 * answers the whole content, and `resources/subscribe` is memory.subscribe on the
 * connection, whose `memory.changed` notices come back here (`changed`) and go to the
 * client as `notifications/resources/updated`.
 *
 * An entry the session may not read is "not found", word for word as a missing one is,
 * so a URI never tells whether another session's entry exists; the daemon audits the
 * refusal behind it.
 */
import type { Server } from '@modelcontextprotocol/sdk/server/index.js';
import {
  ErrorCode,
  ListResourcesRequestSchema,
  ListResourceTemplatesRequestSchema,
  McpError,
  ReadResourceRequestSchema,
  SubscribeRequestSchema,
  UnsubscribeRequestSchema,
} from '@modelcontextprotocol/sdk/types.js';
import type { ResultOf } from '../protocol/table.js';
import { isCallFailure, type ToolSession } from './caller.js';
import { describeFailure, type DescribeOther, type Scrub } from './render.js';

export const RESOURCE_TEMPLATE = 'aistack://memory/{namespace}/{key}';
const PREFIX = 'aistack://memory/';
/** Entries per `resources/list` page. */
export const RESOURCE_PAGE = 100;
/** The MCP spec's code for a resource that is not there. */
export const RESOURCE_NOT_FOUND = -32002;

export interface EntryRef {
  namespace: string;
  key: string;
}

export const entryUri = (namespace: string, key: string): string =>
  `${PREFIX}${encodeURIComponent(namespace)}/${encodeURIComponent(key)}`;

/** The entry a URI names, or undefined when it is not one of ours. */
export function parseEntryUri(uri: string): EntryRef | undefined {
  if (!uri.startsWith(PREFIX)) return undefined;
  const parts = uri.slice(PREFIX.length).split('/');
  if (parts.length !== 2 || !parts[0] || !parts[1]) return undefined;
  try {
    return { namespace: decodeURIComponent(parts[0]), key: decodeURIComponent(parts[1]) };
  } catch {
    return undefined;
  }
}

export interface EntryResourcesOptions {
  session: ToolSession;
  scrub: Scrub;
  log(message: string): void;
  describeOther?: DescribeOther | undefined;
}

export class EntryResources {
  /** What the client subscribed to, with the version it last heard of (null: deleted). */
  private readonly subscribed = new Map<string, number | null>();
  private server: Server | undefined;

  constructor(private readonly o: EntryResourcesOptions) {}

  /** Answers the resource requests on `server` (which declares the resources capability). */
  install(server: Server): void {
    this.server = server;
    server.setRequestHandler(ListResourceTemplatesRequestSchema, () => ({
      resourceTemplates: [
        {
          uriTemplate: RESOURCE_TEMPLATE,
          name: 'memory-entry',
          title: 'aistack memory entry',
          description:
            'An aistack memory entry by namespace and key (each percent-encoded). Readable when this session may read the entry: its own namespace, its project, or a shared one.',
          mimeType: 'text/plain',
        },
      ],
    }));
    server.setRequestHandler(ListResourcesRequestSchema, (r) => this.list(r.params?.cursor));
    server.setRequestHandler(ReadResourceRequestSchema, (r) => this.read(r.params.uri));
    server.setRequestHandler(SubscribeRequestSchema, (r) => this.subscribe(r.params.uri));
    server.setRequestHandler(UnsubscribeRequestSchema, (r) => this.unsubscribe(r.params.uri));
  }

  private async list(cursor: string | undefined) {
    const page = (await this.run('resources/list', undefined, () =>
      this.o.session.call(
        'memory.list',
        { limit: RESOURCE_PAGE, ...(cursor !== undefined && { cursor }) },
        true,
      ),
    )) as ResultOf<'memory.list'>;
    return {
      resources: page.entries.map((e) => ({
        uri: entryUri(e.namespace, e.key),
        name: e.key,
        title: `${e.key} (${e.namespace})`,
        description: `Memory entry "${e.key}" in namespace ${e.namespace}, version ${e.version}${e.tags.length ? `, tags: ${e.tags.join(', ')}` : ''}.`,
        mimeType: 'text/plain',
        size: e.size,
        annotations: { lastModified: e.updatedAt },
      })),
      ...(page.cursor !== null && { nextCursor: page.cursor }),
    };
  }

  private async read(uri: string) {
    const ref = this.ref(uri);
    const { entry } = (await this.run('resources/read', uri, () =>
      this.o.session.call('memory.get', { ...ref }, true),
    )) as ResultOf<'memory.get'>;
    return { contents: [{ uri, mimeType: 'text/plain', text: entry.content }] };
  }

  private async subscribe(uri: string) {
    const ref = this.ref(uri);
    const r = (await this.run('resources/subscribe', uri, () =>
      this.o.session.call('memory.subscribe', { ...ref }, true),
    )) as ResultOf<'memory.subscribe'>;
    this.subscribed.set(uri, r.version);
    return {};
  }

  private async unsubscribe(uri: string) {
    const ref = this.ref(uri);
    this.subscribed.delete(uri);
    await this.run('resources/unsubscribe', uri, () =>
      this.o.session.call('memory.unsubscribe', { ...ref }, false),
    );
    return {};
  }

  /** A `memory.changed` from the daemon: the client hears of it when it subscribed. */
  changed(params: unknown): void {
    const p = params as { namespace?: unknown; key?: unknown; version?: unknown };
    if (typeof p?.namespace !== 'string' || typeof p.key !== 'string') return;
    const uri = entryUri(p.namespace, p.key);
    if (!this.subscribed.has(uri)) return;
    this.subscribed.set(uri, typeof p.version === 'number' ? p.version : null);
    this.tell(uri);
  }

  /**
   * After a new connection to the daemon (the old one's subscriptions died with it):
   * subscribes again to each, and tells the client of any that changed meanwhile.
   */
  async resubscribe(): Promise<void> {
    for (const [uri, last] of this.subscribed) {
      const ref = parseEntryUri(uri)!;
      try {
        const r = (await this.o.session.call(
          'memory.subscribe',
          { ...ref },
          true,
        )) as ResultOf<'memory.subscribe'>;
        this.subscribed.set(uri, r.version);
        if (r.version !== last) this.tell(uri);
      } catch (err) {
        // Gone (or no longer readable) meanwhile: the client hears of it once, and
        // reading it will say why.
        this.subscribed.delete(uri);
        if (last !== null) this.tell(uri);
        this.o.log(this.o.scrub(`could not subscribe again to ${uri}: ${(err as Error).message}`));
      }
    }
  }

  private tell(uri: string): void {
    void this.server?.sendResourceUpdated({ uri }).catch(() => undefined);
  }

  private ref(uri: string): EntryRef {
    const ref = parseEntryUri(uri);
    if (!ref)
      throw new McpError(
        ErrorCode.InvalidParams,
        `not an aistack resource URI: expected ${RESOURCE_TEMPLATE} (each part percent-encoded)`,
      );
    return ref;
  }

  /** Runs a call to the daemon; its failure becomes the MCP error the client gets. */
  private async run(what: string, uri: string | undefined, call: () => Promise<unknown>) {
    try {
      return await call();
    } catch (err) {
      if (isCallFailure(err)) {
        // A private entry of another session reads exactly as a missing one.
        if (uri !== undefined && (err.code === 'NOT_FOUND' || err.code === 'ACCESS_DENIED'))
          throw new McpError(RESOURCE_NOT_FOUND, `Resource not found: ${uri}`, { uri });
        if (err.code === 'INVALID_PARAMS')
          throw new McpError(ErrorCode.InvalidParams, this.o.scrub(`${what}: ${err.message}`));
      }
      const { message, log } = describeFailure(what, err, this.o.describeOther);
      if (log) this.o.log(this.o.scrub(`${what}: ${log}`));
      throw new McpError(ErrorCode.InternalError, this.o.scrub(message));
    }
  }
}
