/**
 * `aistack http status` (is the HTTP front door on, where does it listen, with TLS?) and
 * `aistack mcp-config`, which prints ready-to-paste MCP client configuration: for the
 * stdio shim by default, and with `--http` for MCP over HTTP at `<url>/mcp`, with a
 * freshly created token holding only the scopes the MCP tools need (printed once, as
 * `token create` does; revoke it with `aistack token revoke NAME`).
 */
import { Command, Option } from 'commander';
import { SCOPE_NAMES, type Scope } from '../../protocol/scopes.js';
import { CliError, withClient } from './context.js';
import { printFields, printJson } from './output.js';

/** What the MCP tools call: memory, sessions, agents and tasks, status. */
const MCP_SCOPES: Scope[] = ['system:read', 'memory:read', 'memory:write', 'sessions', 'agents'];

const collect = (value: string, previous: string[] = []) => [...previous, value];

export function httpCommands(): Command[] {
  const http = new Command('http').description(
    'The HTTP front door (REST API, /metrics; off unless http.enabled).',
  );
  http
    .command('status')
    .description('Whether HTTP is on, its URL, bound address and port, TLS and allowlists.')
    .action((_o, cmd: Command) =>
      withClient(cmd, async (client, opts) => {
        const s = await client.call('http.status', {});
        if (opts.json) return printJson(s);
        if (!s.listening) {
          process.stdout.write(
            s.enabled
              ? 'http: enabled but not listening\n'
              : 'http: off (set "http": {"enabled": true} in the config and restart the daemon)\n',
          );
          return;
        }
        printFields({
          http: 'on',
          url: s.url,
          api: s.apiUrl,
          mcp: s.mcpUrl,
          metrics: s.metricsUrl,
          address: `${s.host}:${s.port}`,
          tls: s.tls ? 'yes' : 'no',
          allowedHosts: s.allowedHosts.join(', '),
          allowedOrigins: s.allowedOrigins.join(', '),
          cors: s.cors ? 'on' : 'off',
        });
      }),
    );

  const mcpConfig = new Command('mcp-config')
    .description(
      'Print MCP client configuration (Claude Code command, mcpServers JSON): for the stdio shim, or with --http for MCP over HTTP with a new scoped token.',
    )
    .option('--http', 'configure MCP over HTTP (<url>/mcp) with a freshly created token')
    .option('--name <name>', 'name of the token to create (default mcp-http-<time>)')
    .addOption(
      new Option(
        '--scope <scope>',
        `scope of that token (repeat; default ${MCP_SCOPES.join(', ')})`,
      )
        .choices(SCOPE_NAMES)
        .argParser(collect),
    )
    .option('--server-name <name>', 'the name the MCP client shows', 'aistack')
    .action(
      (o: { http?: boolean; name?: string; scope?: Scope[]; serverName: string }, cmd: Command) =>
        withClient(cmd, async (client, opts) => {
          if (!o.http) {
            const stdio = {
              claude: `claude mcp add ${o.serverName} -- aistack mcp`,
              mcpServers: { [o.serverName]: { command: 'aistack', args: ['mcp'] } },
            };
            if (opts.json) return printJson(stdio);
            process.stdout.write(
              `# Claude Code\n${stdio.claude}\n\n# Cursor and other mcpServers configs\n${JSON.stringify({ mcpServers: stdio.mcpServers }, null, 2)}\n`,
            );
            return;
          }
          const status = await client.call('http.status', {});
          if (!status.listening || !status.mcpUrl) {
            throw new CliError(
              'HTTP is off: set "http": {"enabled": true} in the config and restart the daemon (see `aistack http status`)',
            );
          }
          const name = o.name ?? `mcp-http-${new Date().toISOString().replace(/[:.]/g, '-')}`;
          const { token, info } = await client.call('token.create', {
            name,
            scopes: o.scope ?? MCP_SCOPES,
          });
          const header = `Authorization: Bearer ${token}`;
          const out = {
            url: status.mcpUrl,
            token: { name: info.name, scopes: info.scopes },
            claude: `claude mcp add --transport http ${o.serverName} ${status.mcpUrl} --header "${header}"`,
            mcpServers: {
              [o.serverName]: { url: status.mcpUrl, headers: { Authorization: `Bearer ${token}` } },
            },
          };
          if (opts.json) return printJson(out);
          process.stdout.write(
            `# Claude Code\n${out.claude}\n\n# Cursor and other mcpServers configs\n${JSON.stringify({ mcpServers: out.mcpServers }, null, 2)}\n`,
          );
          process.stderr.write(
            `aistack: token "${info.name}" (${info.scopes.join(', ')}) created for this; it is not shown again. Revoke it with: aistack token revoke ${info.name}\n`,
          );
        }),
    );
  return [http, mcpConfig];
}
