/**
 * Finding the daemon from any environment. MCP clients often start `aistack mcp` with a
 * minimal environment (no XDG_RUNTIME_DIR), so the socket path it computes is not the
 * one a daemon started from a login shell serves. As long as HOME (so the data dir) is
 * the same, the client finds the daemon through the socket recorded in the data dir's
 * lock; and a second daemon on the same data dir is refused with the socket to use.
 */
import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { afterEach, describe, expect, it } from 'vitest';
import {
  AISTACK,
  AISTACKD,
  checkResults,
  cleanupAll,
  registerCleanup,
  runCli,
  tempDir,
  untilAnswering,
} from '../helpers/daemon.js';

afterEach(cleanupAll);

/** Starts aistackd with only HOME and XDG_RUNTIME_DIR (no --socket, no --data-dir). */
async function startWithRuntimeDir(home: string) {
  const runtime = join(home, 'xdg-runtime');
  mkdirSync(runtime, { mode: 0o700 });
  const child = spawn(process.execPath, [AISTACKD], {
    env: { PATH: process.env.PATH, HOME: home, XDG_RUNTIME_DIR: runtime, ...checkResults },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  // Never left running, whatever the test does (a start slower than the deadline included).
  registerCleanup(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  const socketPath = join(runtime, 'aistack', 'aistack.sock');
  await untilAnswering(child, socketPath, () => out);
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  return {
    socketPath,
    async stop() {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

describe('discovery', () => {
  it('an MCP shim and the CLI with only HOME and PATH reach a daemon started with XDG_RUNTIME_DIR', async () => {
    const home = tempDir();
    const daemon = await startWithRuntimeDir(home);
    try {
      const transport = new StdioClientTransport({
        command: process.execPath,
        args: [AISTACK, 'mcp', '--no-autostart'],
        env: { PATH: process.env.PATH!, HOME: home },
        stderr: 'pipe',
      });
      const mcp = new Client({ name: 'minimal-env', version: '1.0.0' });
      await mcp.connect(transport);
      const stored = await mcp.callTool({
        name: 'memory_store',
        arguments: {
          key: 'found',
          content: 'reached from a minimal environment',
          namespace: 'disc',
        },
      });
      expect(stored.isError).toBeFalsy();
      await mcp.close();

      const got = await runCli(
        ['memory', 'get', 'found', '--namespace', 'disc', '--no-autostart'],
        {
          HOME: home,
        },
      );
      expect(got.stderr).toBe('');
      expect(got.code).toBe(0);
      expect(got.stdout).toContain('reached from a minimal environment');
    } finally {
      await daemon.stop();
    }
  });

  it('a second daemon on the same data dir is refused with the socket to use', async () => {
    const home = tempDir();
    const daemon = await startWithRuntimeDir(home);
    try {
      const other = join(home, 'elsewhere', 'aistack.sock');
      const second = await new Promise<{ code: number | null; out: string }>((resolve) => {
        const child = spawn(process.execPath, [AISTACKD, '--socket', other], {
          env: { PATH: process.env.PATH, HOME: home },
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        let out = '';
        child.stdout.on('data', (d) => (out += d));
        child.stderr.on('data', (d) => (out += d));
        child.once('close', (code) => resolve({ code, out }));
      });
      expect(second.code).not.toBe(0);
      expect(second.out).toContain(`serving ${daemon.socketPath}`);
      expect(second.out).toContain(`--socket ${daemon.socketPath}`);
      expect(second.out).not.toContain('aistack daemon stop');
    } finally {
      await daemon.stop();
    }
  });

  it('a stopped daemon leaves nothing to discover: the CLI says it is not running', async () => {
    const home = tempDir();
    const daemon = await startWithRuntimeDir(home);
    await daemon.stop();
    const r = await runCli(['memory', 'list', '--no-autostart'], { HOME: home });
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('not running');
    expect(r.stderr).toContain(join(home, '.aistack', 'run', 'aistack.sock'));
  });
});
