/**
 * The CLI side of the HTTP front door: `aistack http status`, and `aistack mcp-config
 * --http`, whose token really works on the REST API with just the MCP tools' scopes.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { cleanupAll, runCli, startDaemon } from '../helpers/daemon.js';
import { call, startHttpDaemon } from '../helpers/http.js';

afterEach(cleanupAll);

const cli = (d: { socketPath: string; dataDir: string }, ...args: string[]) =>
  runCli(['--socket', d.socketPath, '--data-dir', d.dataDir, '--no-autostart', ...args]);

describe('aistack http and mcp-config', () => {
  it('shows the HTTP status, and says how to turn it on when off', async () => {
    const d = await startHttpDaemon();
    const text = await cli(d, 'http', 'status');
    expect(text.code).toBe(0);
    expect(text.stdout).toContain(`http://127.0.0.1:${d.port}`);
    expect(text.stdout).toMatch(/tls:\s+no/);
    const json = await cli(d, '--json', 'http', 'status');
    expect(JSON.parse(json.stdout)).toMatchObject({ listening: true, port: d.port });

    const off = await startDaemon();
    const offText = await cli(off, 'http', 'status');
    expect(offText.stdout).toContain('http: off');
    const noHttp = await cli(off, 'mcp-config', '--http');
    expect(noHttp.code).toBe(1);
    expect(noHttp.stderr).toContain('"enabled": true');
  });

  it('prints ready-to-paste configuration with a fresh token that holds the MCP scopes only', async () => {
    const d = await startHttpDaemon();
    const r = await cli(d, 'mcp-config', '--http', '--name', 'claude-http');
    expect(r.code).toBe(0);
    const mcpUrl = `http://127.0.0.1:${d.port}/mcp`;
    const command =
      /claude mcp add --transport http aistack (\S+) --header "Authorization: Bearer (\S+)"/.exec(
        r.stdout,
      );
    expect(command?.[1]).toBe(mcpUrl);
    const token = command![2]!;
    const json = JSON.parse(r.stdout.slice(r.stdout.indexOf('{')));
    expect(json.mcpServers.aistack).toEqual({
      url: mcpUrl,
      headers: { Authorization: `Bearer ${token}` },
    });
    expect(r.stderr).toContain('aistack token revoke claude-http');
    // The token works for what MCP tools do, and for nothing more.
    expect((await call(d, 'GET', '/api/v1/memory', { token })).status).toBe(200);
    expect((await call(d, 'POST', '/api/v1/sessions', { token, body: {} })).status).toBe(200);
    expect((await call(d, 'GET', '/api/v1/sessions', { token })).status).toBe(403);
    expect((await call(d, 'GET', '/metrics', { token })).status).toBe(403);

    const stdio = await cli(d, 'mcp-config');
    expect(stdio.stdout).toContain('claude mcp add aistack -- aistack mcp');
  });
});
