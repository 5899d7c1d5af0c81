/**
 * Stopping as documented, through real daemons: from the first moment of a stop, new
 * requests and new connections are answered SHUTTING_DOWN while requests in flight
 * finish; a client whose connection drops mid-call learns exactly that; and the CLI
 * never starts a second daemon against one that is stopping.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { AistackClient, ConnectionClosedError, RpcError } from '../../src/clients/client.js';
import {
  AISTACK,
  checkResults,
  cleanupAll,
  connectTo,
  runCli,
  spawnDaemon,
  startDaemon,
  tempDir,
  writeConfig,
} from '../helpers/daemon.js';
import { rawSocket } from '../helpers/raw-socket.js';
import { waitFor } from '../helpers/wait.js';

afterEach(cleanupAll);

/** Resolves once the daemon has started `count` calls of `method` (counted as they begin). */
async function started(c: AistackClient, method: string, count = 1): Promise<void> {
  for (;;) {
    const { requests } = await c.call('system.status');
    if ((requests.byMethod[method]?.requests ?? 0) >= count) return;
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Resolves with the first reply line a fresh connection gets once the daemon refuses newcomers. */
async function refusalOfNewConnections(socketPath: string): Promise<unknown> {
  for (;;) {
    const s = await rawSocket(socketPath);
    s.send('{"jsonrpc":"2.0","id":"probe","method":"system.ping"}\n');
    const reply = (await s.next(10_000)) as { id: unknown; error?: unknown };
    s.close();
    if (reply.id === null) return reply;
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('shutdown', () => {
  it('answers new requests and connections SHUTTING_DOWN while the call in flight finishes', async () => {
    const d = await spawnDaemon(tempDir());
    const busy = await connectTo(d);
    const watcher = await connectTo(d);
    const inFlight = busy.call('system.ping', { delayMs: 3_000 });
    await started(watcher, 'system.ping');
    d.child.kill('SIGTERM');

    expect(await refusalOfNewConnections(d.socketPath)).toMatchObject({
      id: null,
      error: { code: -32011, data: { code: 'SHUTTING_DOWN', notStarted: true } },
    });
    const late = await watcher.call('system.status').catch((e: unknown) => e);
    expect(late).toBeInstanceOf(RpcError);
    expect((late as RpcError).code).toBe('SHUTTING_DOWN');

    expect(await inFlight).toMatchObject({ pong: true });
    expect(await d.exited).toBe(0);
    expect(existsSync(d.socketPath)).toBe(false);
  });

  it('a connection dropped mid-call rejects with ConnectionClosedError, not an error answer', async () => {
    const d = await spawnDaemon(tempDir());
    const c = await connectTo(d);
    const watcher = await connectTo(d);
    const call = c.call('system.ping', { delayMs: 5_000 }).catch((e: unknown) => e);
    await started(watcher, 'system.ping');
    d.child.kill('SIGKILL');
    const err = await call;
    expect(err).toBeInstanceOf(ConnectionClosedError);
    expect(err).not.toBeInstanceOf(RpcError);
  });

  it('the CLI waits for a stopping daemon, then starts a fresh one instead of racing it', async () => {
    const dir = tempDir();
    // The stop waits for the call in flight (up to the grace): 10 s, to outlast the CLI's
    // start on a loaded machine; closing `c` ends it as soon as the CLI has seen the stop.
    const config = writeConfig(dir, { daemon: { shutdownGraceMs: 60_000 } });
    const d = await spawnDaemon(dir, ['--config', config]);
    const c = await connectTo(d);
    const oldPid = (await c.call('system.status')).pid;
    const inFlight = c.call('system.ping', { delayMs: 10_000 }).catch(() => null);
    await started(c, 'system.ping');
    d.child.kill('SIGTERM');
    await refusalOfNewConnections(d.socketPath);

    const flags = ['--socket', d.socketPath, '--data-dir', d.dataDir, '--json'];
    const env = { HOME: dir, XDG_CONFIG_HOME: `${dir}/xdg-config` };
    const cli = spawn(process.execPath, [AISTACK, 'ping', ...flags], {
      env: { PATH: process.env.PATH, ...checkResults, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const ping = { stdout: '', stderr: '' };
    cli.stdout.on('data', (b) => (ping.stdout += b));
    cli.stderr.on('data', (b) => (ping.stderr += b));
    const exited = new Promise<number | null>((r) => cli.once('exit', (code) => r(code)));
    await waitFor(
      () => /stopping; waiting for it/.test(ping.stderr) || cli.exitCode !== null,
      'the CLI to see the daemon stopping',
      { timeoutMs: 60_000 },
    );
    // The stop finishes once its last request does: dropping the connection ends it.
    c.close();
    expect(await exited, ping.stderr).toBe(0);
    expect(ping.stderr).toMatch(/stopping; waiting for it/);
    expect(ping.stderr).not.toMatch(/already running/);
    expect(JSON.parse(ping.stdout)).toMatchObject({ pong: true });
    expect(await d.exited).toBe(0);
    const status = await runCli(['daemon', 'status', ...flags], env);
    expect(JSON.parse(status.stdout)).toMatchObject({ running: true });
    expect(JSON.parse(status.stdout).pid).not.toBe(oldPid);
    await inFlight;
    expect((await runCli(['daemon', 'stop', ...flags], env)).code).toBe(0);
  });

  it('answers TIMEOUT when a call outlives daemon.requestTimeoutMs, and keeps serving', async () => {
    const d = await startDaemon({ config: { daemon: { requestTimeoutMs: 300 } } });
    const c = await d.client();
    const err = await c.call('system.ping', { delayMs: 5_000 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RpcError);
    expect((err as RpcError).code).toBe('TIMEOUT');
    expect(await c.call('system.ping')).toMatchObject({ pong: true });
  });
});
