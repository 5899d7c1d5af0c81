/**
 * The MCP annotations of every tool, as they truly apply: whether it only reads,
 * whether it may destroy or overwrite something, whether repeating it with the same
 * arguments changes nothing more, and whether it reaches outside aistack (GitHub, an
 * LLM provider). Every hint is spelled out, so no client falls back on the spec's
 * pessimistic defaults for a tool that is harmless, or on a guess for one that is not.
 */
export interface ToolAnnotations {
  readOnlyHint: boolean;
  destructiveHint: boolean;
  idempotentHint: boolean;
  openWorldHint: boolean;
}

const hints = (
  readOnlyHint: boolean,
  destructiveHint: boolean,
  idempotentHint: boolean,
  openWorldHint: boolean,
): ToolAnnotations => ({ readOnlyHint, destructiveHint, idempotentHint, openWorldHint });

const READ = hints(true, false, true, false);
const READ_GITHUB = hints(true, false, true, true);

/** By daemon method name (session_active, answered over session.status, is READ too). */
const ANNOTATIONS: Record<string, ToolAnnotations> = {
  // Storing under an existing key replaces its content (the version is bumped).
  'memory.store': hints(false, true, false, false),
  'memory.get': READ,
  'memory.search': READ,
  'memory.list': READ,
  // Deleting what is already gone leaves the same state (it answers NOT_FOUND).
  'memory.delete': hints(false, true, true, false),
  // Linking again replaces the link's metadata; the same call twice leaves the same link.
  'memory.link': hints(false, true, true, false),
  'memory.unlink': hints(false, true, true, false),
  'memory.related': READ,
  'memory.history': READ,
  // Overwrites the current content (which history keeps) and bumps the version each time.
  'memory.restoreVersion': hints(false, true, false, false),
  // Only adds text, but each call adds it again.
  'memory.append': hints(false, false, false, false),
  // Overwrites existing keys like memory.store, once per item.
  'memory.storeMany': hints(false, true, false, false),
  'memory.getMany': READ,
  // Deleting what is already gone leaves the same state (found: false).
  'memory.deleteMany': hints(false, true, true, false),
  'memory.changes': READ,
  // Answers the session already open, if any: repeating it opens nothing more.
  'session.start': hints(false, false, true, false),
  // Deletes the private entries; a second call finds no session and changes nothing.
  'session.end': hints(false, true, true, false),
  'session.status': READ,
  'system.status': READ,
  'system.health': READ,
  'agent.types': READ,
  'agent.spawn': hints(false, false, false, false),
  'agent.list': READ,
  // Cancels the agent's tasks; stopping a stopped agent changes nothing.
  'agent.stop': hints(false, true, true, false),
  'task.create': hints(false, false, false, false),
  'task.get': READ,
  'task.list': READ,
  // Prompts an LLM provider (outside aistack) and stores its answer on the task.
  'task.run': hints(false, false, false, true),
  'github.issue.create': hints(false, false, false, true),
  'github.issue.list': READ_GITHUB,
  'github.pr.list': READ_GITHUB,
  'github.repo.view': READ_GITHUB,
};

/** MCP's own defaults: what a client must assume of a tool nobody described. */
const UNKNOWN = hints(false, true, false, true);

export function annotationsFor(method: string): ToolAnnotations {
  return ANNOTATIONS[method] ?? UNKNOWN;
}

export const READ_ONLY = READ;
