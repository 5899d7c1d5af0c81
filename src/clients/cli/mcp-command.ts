/**
 * `aistack mcp`: the MCP server on stdio that Claude Code, Cursor and other MCP clients
 * start. The server itself (and the MCP SDK) is imported only when this command runs,
 * so other commands do not pay for it. This module owns the process-level parts:
 * options, signals, and making sure nothing but MCP messages reaches stdout.
 */
import { Command } from 'commander';
import { connectOrStart } from '../autostart.js';
import { CliError, EXIT, globals, reachOptions } from './context.js';
import { positive } from './option-values.js';

interface McpOptions {
  keepSession?: boolean;
  session?: string;
  idle?: number;
  tools?: string;
  project?: string;
}

/** How long shutdown may take before the process leaves anyway. */
const EXIT_DEADLINE_MS = 4000;

export function mcpCommand(): Command {
  return new Command('mcp')
    .description(
      'Serve the memory and session tools over MCP on stdio (for Claude Code, Cursor, …). Each run opens its own session, ended when the client disconnects.',
    )
    .option(
      '--keep-session',
      'leave the session open when the client disconnects (its private entries then last until the idle timeout)',
    )
    .option(
      '--session <id>',
      'join this existing session (token from $AISTACK_SESSION_TOKEN) instead of opening one; it is left open on exit',
    )
    .option(
      '--idle <minutes>',
      'idle timeout of the session this opens (default from the config)',
      positive,
    )
    .option(
      '--tools <list>',
      'offer only these tools: names or groups (memory, session, system, github, agent, task), comma-separated',
    )
    .option(
      '--project <name>',
      "bind the session to this project (default: the client's first root, else the working directory; a git work tree's top folder names it)",
    )
    .action(async (o: McpOptions, cmd: Command) => {
      const opts = globals(cmd);
      const token = process.env.AISTACK_SESSION_TOKEN;
      // Not inherited by a daemon this command may start, nor by anything else.
      delete process.env.AISTACK_SESSION_TOKEN;
      if (o.session && !token)
        throw new CliError(
          '--session needs the session token in $AISTACK_SESSION_TOKEN',
          EXIT.USAGE,
        );
      const idle = o.idle;

      // stdout belongs to the MCP protocol; a stray console.log from anywhere would
      // corrupt it, so console output goes to stderr.
      console.log = console.info = console.debug = console.error;
      if (process.stdin.isTTY)
        process.stderr.write(
          'aistack mcp: this speaks MCP on stdin/stdout and is meant to be started by an MCP client (see docs/mcp.md); Ctrl-D ends it\n',
        );
      const [{ startMcpShim }, { buildToolCatalog }, { parseToolList }, { methodTable }] =
        await Promise.all([
          import('../mcp/server.js'),
          import('../../mcp/tools.js'),
          import('../../mcp/tool-selection.js'),
          import('../../protocol/table.js'),
        ]);
      let only: ReadonlySet<string> | undefined;
      if (o.tools !== undefined) {
        try {
          only = parseToolList(o.tools, buildToolCatalog(methodTable));
        } catch (err) {
          throw new CliError((err as Error).message, EXIT.USAGE);
        }
      }
      const reach = reachOptions(opts);
      const shim = await startMcpShim({
        connect: () =>
          connectOrStart({
            ...reach,
            clientName: 'aistack-mcp',
            configPath: opts.config,
            autostart: opts.autostart,
            say: (m) => process.stderr.write(`aistack mcp: ${m}\n`),
          }),
        join: o.session && token ? { sessionId: o.session, sessionToken: token } : undefined,
        keepSession: Boolean(o.keepSession),
        idleTimeoutMinutes: idle,
        only,
        project: o.project !== undefined ? { name: o.project } : undefined,
        ...(opts.timeout !== undefined && { callTimeoutMs: opts.timeout * 1000 }),
      });
      for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) {
        process.once(signal, () => {
          setTimeout(() => process.exit(0), EXIT_DEADLINE_MS).unref();
          void shim.close(signal);
        });
      }
      await shim.closed;
      // Whatever still holds the event loop (stdin left open by a client that sent a
      // signal instead), the shim is done: leave rather than linger as a stale process.
      process.stdin.destroy();
      setTimeout(() => process.exit(0), 500).unref();
    });
}
