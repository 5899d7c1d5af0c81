/**
 * The MCP tool catalogue, derived from the daemon's method table: every method that is
 * `public` and names an `mcpTool` becomes a tool, with the JSON Schemas of its zod
 * params (input) and result (output: what `structuredContent` holds). Local-only methods
 * (forced session end, config, jobs, plugin approval, …) never appear, whatever they are
 * called. The session parameters (`sessionId`, `sessionToken`, `force`) are cut out of
 * every input schema: the MCP server supplies its own session, so a model never sees, passes
 * or overrides them.
 *
 * Methods added to the table later show up here without any change; only the session
 * tools, which act on the connection's own session and answer in their own shape, are handled
 * specially (see call-tool.ts and session-tool-output.ts).
 */
import { describeMethod, type MethodSpec } from '../protocol/method.js';
import { objectSchema, sessionToolOutput, type ObjectSchema } from './session-tool-output.js';
import { annotationsFor, READ_ONLY, type ToolAnnotations } from './tool-annotations.js';

/** Parameters the server owns; a model may not pass them. */
// `project`: the server binds its session to the client's project; a model may not pick another.
export const HIDDEN_PARAMS = ['sessionId', 'sessionToken', 'force', 'project'] as const;

export type ToolKind =
  'method' | 'session-start' | 'session-end' | 'session-status' | 'session-active';

export interface ToolSpec {
  name: string;
  /** The daemon method it calls. */
  method: string;
  kind: ToolKind;
  description: string;
  inputSchema: ObjectSchema;
  /** JSON Schema of the tool's `structuredContent`. */
  outputSchema: ObjectSchema;
  /** The method takes session credentials, so the server adds its own. */
  sessionBound: boolean;
  /** The method's zod params, for the tools the server answers itself. */
  params?: MethodSpec['params'];
  annotations: ToolAnnotations;
}

type Schema = Record<string, unknown>;

const SESSION_KINDS: Record<string, ToolKind> = {
  'session.start': 'session-start',
  'session.end': 'session-end',
  'session.status': 'session-status',
};

const AUTO_SESSION =
  "This connection's session is used automatically; never pass session ids or tokens.";

/**
 * What a model should know beyond the method's own description. Where the daemon's
 * wording speaks to socket clients (tokens, forcing, "needs a session") it is replaced
 * with what holds for an MCP connection; elsewhere a sentence is added. Tools without
 * an entry here keep the table's description as it is.
 */
const DESCRIPTIONS: Record<string, { replace?: string; append?: string }> = {
  'memory.store': {
    replace:
      'Stores text under a key (creating it, or updating it and bumping its version). Without `namespace` the entry goes to this project\'s namespace ("project:<slug>", bound from the folder you work in): it persists across conversations and only connections in the same project can read it. `scope: "session"` keeps it as scratch in this connection\'s own namespace ("session:<id>"), deleted when the connection ends (that is also where it goes when no project is bound). To share it with every tool in every project, give a shared namespace such as "notes" (any name not starting with "session:" or "project:"). The result names the namespace it was written to.',
  },
  'memory.get': {
    replace:
      "Reads one entry in full by key. Without `namespace` it looks in this project's namespace, then in this connection's session namespace; to read from a shared namespace, give it (memory_search and memory_list show each entry's namespace). A missing key is an error (NOT_FOUND).",
  },
  'memory.search': {
    append:
      "Covers this connection's session namespace, this project's namespace and every shared namespace; other connections' session namespaces and other projects' namespaces are never visible.",
  },
  'memory.list': {
    append:
      "Covers this connection's session namespace, this project's namespace and every shared namespace; other connections' session namespaces and other projects' namespaces are never visible.",
  },
  'memory.delete': {
    replace:
      "Deletes one entry by key: from this project's namespace (or, when not there, this connection's session namespace), or from the shared `namespace` given. Other connections' and other projects' namespaces are refused.",
  },
  'memory.link': {
    replace:
      'Links two entries (from → to) with a type such as "depends-on" or "cites", and optional metadata; linking the same pair with the same type again replaces its metadata. Each end is a key plus a namespace (default: this connection\'s private namespace). An end that does not exist, or that is another connection\'s private entry, is an error (NOT_FOUND). A link goes when either entry is deleted. memory_related follows links.',
  },
  'memory.unlink': {
    replace:
      'Removes the link from → to of the given type (of every type without one). Ends are named as for memory_link.',
  },
  'memory.restoreVersion': {
    replace:
      'Makes an earlier version of an entry (see memory_history) current again, as a new version; the version it replaces stays in history. Also brings back a deleted entry. A version no longer kept is an error naming the versions that are.',
  },
  'memory.append': {
    replace:
      "Adds text to the end of an entry (after `separator`, a newline by default), creating it if missing, without rewriting it: appends from several tools at once all land. Without `namespace` it is this connection's private namespace. The whole content may not pass 1,000,000 characters.",
  },
  'session.start': {
    replace:
      "Reports this connection's session (id, private namespace, start time). A session opens automatically when the connection starts, so this is rarely needed; after session_end it starts a fresh one (`metadata` and `idleTimeoutMinutes` apply only then). Never ends a session and never returns a token.",
  },
  'session.end': {
    replace:
      "Ends this connection's session and deletes every entry in its private namespace (shared namespaces are untouched). The next call opens a fresh session. Use it to discard scratch memory.",
  },
  'session.status': {
    replace:
      "This connection's session: id, private namespace (session:<id>), start, last activity, idle timeout and number of entries. Opens a session if none is active.",
  },
};

/** Removes the hidden parameters from an object schema (and from each top-level branch). */
function stripHidden(schema: Schema): { schema: Schema; hadSession: boolean } {
  let hadSession = false;
  const strip = (s: Schema): Schema => {
    const out: Schema = { ...s };
    if (out.properties && typeof out.properties === 'object') {
      const props = { ...(out.properties as Schema) };
      if ('sessionId' in props || 'sessionToken' in props) hadSession = true;
      for (const k of HIDDEN_PARAMS) delete props[k];
      out.properties = props;
    }
    if (Array.isArray(out.required)) {
      const required = (out.required as string[]).filter(
        (k) => !(HIDDEN_PARAMS as readonly string[]).includes(k),
      );
      if (required.length) out.required = required;
      else delete out.required;
    }
    for (const key of ['anyOf', 'oneOf', 'allOf'] as const) {
      if (Array.isArray(out[key])) out[key] = (out[key] as Schema[]).map(strip);
    }
    return out;
  };
  // `$schema` is left out: MCP takes 2020-12 as the default, and some clients choke on
  // it. A top-level `default` ({} from `.prefault`) says nothing useful to a model.
  const { $schema: _s, default: _d, ...rest } = schema;
  return { schema: strip(rest), hadSession };
}

function toolFor(m: MethodSpec): ToolSpec {
  const described = describeMethod(m);
  const { schema, hadSession } = stripHidden(described.params);
  const kind = SESSION_KINDS[m.name] ?? 'method';
  const extra = DESCRIPTIONS[m.name];
  let description = extra?.replace ?? m.description;
  if (extra?.append) description += ` ${extra.append}`;
  if (hadSession && kind === 'method' && !extra?.replace) description += ` ${AUTO_SESSION}`;
  return {
    name: m.mcpTool!,
    method: m.name,
    kind,
    description,
    inputSchema: { ...schema, type: 'object' },
    outputSchema: sessionToolOutput(kind) ?? objectSchema(described.result),
    sessionBound: hadSession,
    params: m.params,
    annotations: annotationsFor(m.name),
  };
}

/** `session_active` has no method of its own: the server answers it over `session.status`. */
const sessionActive = (): ToolSpec => ({
  name: 'session_active',
  method: 'session.status',
  kind: 'session-active',
  description:
    'Whether this connection has an active session right now, and which (id and private namespace). Never opens or ends a session.',
  inputSchema: { type: 'object', properties: {}, additionalProperties: false },
  outputSchema: sessionToolOutput('session-active')!,
  sessionBound: true,
  annotations: READ_ONLY,
});

/** Every tool offered to models, keyed by tool name. */
export function buildToolCatalog(methods: readonly MethodSpec[]): Map<string, ToolSpec> {
  const tools = new Map<string, ToolSpec>();
  for (const m of methods) {
    if (m.access !== 'public' || !m.mcpTool) continue;
    tools.set(m.mcpTool, toolFor(m));
  }
  if (!tools.has('session_active') && [...tools.values()].some((t) => t.kind !== 'method'))
    tools.set('session_active', sessionActive());
  return tools;
}

/** The server instructions an MCP client shows the model once, at connection time. */
export const INSTRUCTIONS =
  'aistack is a memory store shared by your tools. This connection has its own session, ' +
  'bound to the project you work in (from your roots or folder): entries stored without a ' +
  'namespace go to the project\'s namespace "project:<slug>", which persists across ' +
  'conversations and which only connections in the same project can read. scope: "session" ' +
  'keeps scratch notes in the session namespace "session:<id>", deleted when this ' +
  'connection ends. To share something with every tool in every project, store it in a ' +
  'shared namespace (any name not starting with "session:" or "project:", e.g. "notes"). ' +
  'memory_search and memory_list cover your session, your project and every shared ' +
  'namespace. Sessions and projects are handled for you: never pass session ids or tokens.';
