import { chmodSync, existsSync, mkdirSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { cleanupAll, connectTo, spawnDaemon, startDaemon, tempDir } from '../helpers/daemon.js';
import { track, waitFor } from '../helpers/wait.js';

afterEach(cleanupAll);

const mode = (p: string) => statSync(p).mode & 0o777;

describe('daemon lifecycle', () => {
  it('creates the socket 0600 in a 0700 directory and the database 0600 in a 0700 data dir', async () => {
    const d = await startDaemon();
    expect(mode(d.socketPath)).toBe(0o600);
    expect(statSync(d.socketPath).isSocket()).toBe(true);
    expect(mode(join(d.dir, 'run'))).toBe(0o700);
    expect(mode(d.dataDir)).toBe(0o700);
    expect(mode(join(d.dataDir, 'aistack.db'))).toBe(0o600);
    const c = await d.client();
    expect(await c.call('system.ping')).toMatchObject({ pong: true });
  });

  it('refuses a second daemon on a live socket and keeps the first one serving', async () => {
    const dir = tempDir();
    const first = await spawnDaemon(dir);
    const second = await spawnDaemon(tempDir(), ['--socket', first.socketPath]).catch(
      (e: Error) => e,
    );
    expect(second).toBeInstanceOf(Error);
    expect(String(second)).toMatch(/already running/);
    const c = await connectTo(first);
    expect(await c.call('system.ping')).toMatchObject({ pong: true });
    c.close();
  });

  it('exits non-zero with a clear message when another daemon holds the data dir', async () => {
    const dir = tempDir();
    await spawnDaemon(dir);
    const other = await spawnDaemon(tempDir(), ['--data-dir', join(dir, 'data')]).catch(
      (e: Error) => e,
    );
    expect(String(other)).toMatch(
      /exited early \(1\).*another aistackd \(pid \d+\) is already running/s,
    );
  });

  it('replaces a stale socket left by a SIGKILLed daemon', async () => {
    const dir = tempDir();
    const first = await spawnDaemon(dir);
    first.child.kill('SIGKILL');
    await first.exited;
    expect(existsSync(first.socketPath)).toBe(true);
    const second = await spawnDaemon(dir);
    const c = await connectTo(second);
    expect(await c.call('system.ping')).toMatchObject({ pong: true });
    c.close();
    expect(second.output()).toMatch(/removed a stale socket/);
  });

  it('on SIGTERM answers the request in flight, then removes the socket and lock', async () => {
    const dir = tempDir();
    const d = await spawnDaemon(dir);
    const c = await connectTo(d);
    const watcher = await connectTo(d);
    const slow = c.call('system.ping', { delayMs: 2000 });
    const answered = track(slow);
    // In flight: the daemon counts a request as it starts dispatching it.
    await waitFor(
      async () =>
        ((await watcher.call('system.status')).requests.byMethod['system.ping']?.requests ?? 0) > 0,
      'the daemon to start the slow ping',
    );
    expect(answered.settled).toBe(false);
    d.child.kill('SIGTERM');
    await expect(slow).resolves.toMatchObject({ pong: true });
    expect(await d.exited).toBe(0);
    expect(existsSync(d.socketPath)).toBe(false);
    expect(existsSync(`${d.socketPath}.lock`)).toBe(false);
    expect(existsSync(join(d.dataDir, 'aistackd.lock'))).toBe(false);
    c.close();
    watcher.close();
  });

  it('refuses a socket directory that is a symlink', async () => {
    const dir = tempDir();
    const real = join(dir, 'real');
    mkdirSync(real, { mode: 0o700 });
    symlinkSync(real, join(dir, 'run'));
    const err = await spawnDaemon(dir).catch((e: Error) => e);
    expect(String(err)).toMatch(/exited early \(1\).*symbolic link/s);
  });

  it('refuses a socket directory that others can enter', async () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'run'), { mode: 0o755 });
    chmodSync(join(dir, 'run'), 0o755);
    const err = await spawnDaemon(dir).catch((e: Error) => e);
    expect(String(err)).toMatch(/mode 0755 lets others in.*chmod 700/s);
  });

  it('refuses a directory owned by another user', async () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'run'), { mode: 0o700 });
    const uid = process.getuid!();
    if (uid === 0) {
      // As root we can make the directory belong to someone else for real.
      const { chownSync } = await import('node:fs');
      chownSync(join(dir, 'run'), 65534, 65534);
      const err = await spawnDaemon(dir).catch((e: Error) => e);
      expect(String(err)).toMatch(/belongs to uid 65534, not to you/);
    } else {
      // Without root, /tmp (owned by root, 1777) plays the other user's directory.
      const err = await spawnDaemon(dir, ['--socket', '/tmp/aistack-test.sock']).catch(
        (e: Error) => e,
      );
      expect(String(err)).toMatch(/belongs to uid 0, not to you|lets others in/);
    }
  });

  it('refuses a socket path that is a regular file', async () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'run'), { mode: 0o700 });
    writeFileSync(join(dir, 'run', 'aistack.sock'), 'not a socket');
    const err = await spawnDaemon(dir).catch((e: Error) => e);
    expect(String(err)).toMatch(/not a socket; refusing to replace it/);
  });
});
