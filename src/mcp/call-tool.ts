/**
 * One `tools/call`, start to finish: find the tool, refuse what a model may not pass,
 * run it in the connection's session, and answer a tool result — never a thrown error, so
 * the model always gets a message it can act on. Unknown tools and bad arguments are
 * tool errors too (as the SDK's own McpServer does), so a model can correct itself.
 */
import { HIDDEN_PARAMS, type ToolSpec } from './tools.js';
import {
  describeFailure,
  errorResult,
  resultFor,
  type DescribeOther,
  type Scrub,
  type ToolResult,
} from './render.js';
import type { ToolSession } from './caller.js';

export interface ToolCaller {
  tools: ReadonlyMap<string, ToolSpec>;
  session: ToolSession;
  scrub: Scrub;
  log(message: string): void;
  /** Words for failures the layer does not know (the transport's own), if any. */
  describeOther?: DescribeOther | undefined;
}

async function run(tool: ToolSpec, args: Record<string, unknown>, s: ToolSession) {
  switch (tool.kind) {
    case 'session-start':
      return s.start(args as { metadata?: Record<string, unknown>; idleTimeoutMinutes?: number });
    case 'session-end':
      return s.end();
    case 'session-status':
      return s.status();
    case 'session-active':
      return s.active();
    default:
      return s.call(tool.method, args, tool.sessionBound);
  }
}

function checkArgs(tool: ToolSpec, args: Record<string, unknown>): string | undefined {
  // session_start takes its method's params; the other session tools take none.
  if (tool.kind !== 'session-start' || !tool.params) {
    const extra = Object.keys(args);
    return extra.length ? `- (arguments): takes none (got ${extra.join(', ')})` : undefined;
  }
  const parsed = tool.params.safeParse(args);
  if (parsed.success) return undefined;
  return parsed.error.issues
    .map((i) => `- ${i.path.map(String).join('.') || '(arguments)'}: ${i.message}`)
    .join('\n');
}

export async function callTool(
  c: ToolCaller,
  name: string,
  rawArgs: Record<string, unknown> | undefined,
): Promise<ToolResult> {
  const tool = c.tools.get(name);
  if (!tool) {
    return errorResult(
      `Unknown tool ${JSON.stringify(name)}. Available tools: ${[...c.tools.keys()].join(', ')}.`,
      [],
      c.scrub,
    );
  }
  const args = rawArgs ?? {};
  const reserved = HIDDEN_PARAMS.filter((k) => k in args);
  if (reserved.length) {
    return errorResult(
      `Invalid arguments for ${name}: ${reserved.join(', ')} cannot be passed; this connection's session is used automatically.`,
      [],
      c.scrub,
    );
  }
  // The server answers the session tools itself, so it checks their arguments itself;
  // the daemon checks every other tool's.
  if (tool.kind !== 'method') {
    const issues = checkArgs(tool, args);
    if (issues) return errorResult(`Invalid arguments for ${name}:\n${issues}`, [], c.scrub);
  }
  try {
    const result = await run(tool, args, c.session);
    return resultFor(tool.method, tool.kind, result, c.session.takeNotes(), c.scrub);
  } catch (err) {
    const { message, log } = describeFailure(name, err, c.describeOther);
    if (log) c.log(c.scrub(`${name}: ${log}`));
    return errorResult(message, c.session.takeNotes(), c.scrub);
  }
}
