import { spawn } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  AISTACK,
  cleanupAll,
  runCli,
  spawnDaemon,
  startDaemon,
  tempDir,
  cliEnv as envFor,
  writeConfig,
} from '../helpers/daemon.js';
import { waitFor } from '../helpers/wait.js';

afterEach(cleanupAll);

describe('aistack CLI', () => {
  it('refuses with --no-autostart, then autostarts the daemon and says so', async () => {
    const dir = tempDir();
    const env = envFor(dir);
    const refused = await runCli(['ping', '--no-autostart'], env);
    expect(refused.code).toBe(3);
    expect(refused.stderr).toMatch(/daemon is not running at .*aistack\.sock/);

    const started = await runCli(['ping'], env);
    expect(started.code).toBe(0);
    expect(started.stderr).toMatch(
      /daemon was not running; started it in the background \(pid \d+/,
    );
    expect(started.stdout).toMatch(/pong from aistackd/);

    const again = await runCli(['--json', 'ping'], env);
    expect(again.stderr).toBe('');
    expect(JSON.parse(again.stdout)).toMatchObject({ pong: true });

    const status = await runCli(['daemon', 'status', '--json'], env);
    expect(JSON.parse(status.stdout)).toMatchObject({ running: true, socket: env.AISTACK_SOCKET });
    expect(existsSync(join(dir, 'data', 'logs'))).toBe(true);

    const stopped = await runCli(['daemon', 'stop'], env);
    expect(stopped.code).toBe(0);
    expect(stopped.stderr).toMatch(/daemon stopped/);
    expect(existsSync(env.AISTACK_SOCKET!)).toBe(false);
    expect((await runCli(['daemon', 'status'], env)).code).toBe(3);
  });

  it('reports why the daemon could not start', async () => {
    const dir = tempDir();
    const env = {
      ...envFor(dir),
      AISTACK_CONFIG: writeConfig(dir, { daemon: { maxConnections: 0 } }),
    };
    const r = await runCli(['daemon', 'start'], env);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/could not start the daemon: .*daemon\.maxConnections/s);
  });

  it('config check names bad fields; config show masks secrets', async () => {
    const dir = tempDir();
    const bad = writeConfig(dir, { daemon: { maxConections: 5 } });
    const r = await runCli(['config', 'check', '--config', bad], envFor(dir));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/daemon: Unrecognized key: "maxConections"/);

    const key = 'sk-ant-api03-QQQQQQQQQQQQQQQQQQQQQQQQQQQQ7a7a';
    const good = writeConfig(dir, { providers: { anthropic: { apiKey: '${MY_KEY}' } } });
    const check = await runCli(['config', 'check', '--config', good], {
      ...envFor(dir),
      MY_KEY: key,
    });
    expect(check.code).toBe(0);
    expect(check.stdout).toMatch(/^OK: /);
    const show = await runCli(['config', 'show', '--json', '--config', good], {
      ...envFor(dir),
      MY_KEY: key,
    });
    expect(show.stdout).not.toContain(key);
    expect(JSON.parse(show.stdout).config.providers.anthropic.apiKey).toBe('sk-ant-…7a7a');
  });

  it('has --help on every command', async () => {
    for (const args of [
      ['--help'],
      ['daemon', '--help'],
      ['daemon', 'start', '--help'],
      ['config', 'show', '--help'],
    ]) {
      const r = await runCli(args, envFor(tempDir()));
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/Usage: aistack/);
    }
    const unknown = await runCli(['frobnicate'], envFor(tempDir()));
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown command/);
  });

  it('reloads the config on SIGHUP and says what changed', async () => {
    const dir = tempDir();
    const config = writeConfig(dir, { daemon: { maxConnections: 10 } });
    const d = await spawnDaemon(dir, ['--config', config]);
    writeFileSync(
      config,
      JSON.stringify({ daemon: { maxConnections: 20 }, dataDir: '/elsewhere' }),
    );
    d.child.kill('SIGHUP');
    await waitFor(() => /config reloaded/.test(d.output()), 'the daemon to log the reload');
    expect(d.output()).toMatch(/config reloaded: daemon\.maxConnections 10 → 20/);
    expect(d.output()).toMatch(/restart to apply dataDir/);
    const via = await runCli(['config', 'reload', '--socket', d.socketPath], envFor(dir));
    expect(via.stdout).toMatch(/nothing changed/);
  });

  it('exits quietly when the reader of its output goes away (| head)', async () => {
    const d = await startDaemon();
    const c = await d.client();
    const { session } = await c.call('session.start', {});
    for (let i = 0; i < 400; i++) {
      await c.call('memory.store', {
        key: `k${i}`,
        namespace: 'pipe',
        content: 'x'.repeat(500),
        sessionId: session.id,
        sessionToken: session.token,
      });
    }
    const child = spawn(process.execPath, [AISTACK, '--json', 'memory', 'list', '-l', '400'], {
      env: { PATH: process.env.PATH, HOME: d.dir, AISTACK_SOCKET: d.socketPath },
    });
    let stderr = '';
    child.stderr.on('data', (b) => (stderr += b));
    child.stdout.once('data', () => child.stdout.destroy());
    const code = await new Promise<number | null>((r) => child.once('close', r));
    expect(stderr).not.toMatch(/EPIPE|at /);
    expect(code).toBe(0);
  });
});
