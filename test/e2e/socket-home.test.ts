import {
  existsSync,
  mkdirSync,
  readdirSync,
  lstatSync,
  readFileSync,
  renameSync,
  rmSync,
  unlinkSync,
  watch,
  writeFileSync,
} from 'node:fs';
import { createServer, connect } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  cleanupAll,
  connectTo,
  spawnDaemon,
  tempDir,
  type ChildDaemon,
  writeConfig,
} from '../helpers/daemon.js';
import { openSession } from '../helpers/session.js';
import { auditRecords } from '../helpers/audit.js';
import { waitFor } from '../helpers/wait.js';

afterEach(cleanupAll);

/** A daemon in its own temp dir that checks its socket every 250 ms. */
async function daemonIn(dir: string, intervalMs = 250): Promise<ChildDaemon> {
  const config = writeConfig(dir, { daemon: { socketCheckIntervalMs: intervalMs } });
  return spawnDaemon(dir, ['--config', config]);
}

/** The child's exit code, or a failure naming what it logged if it is still running after `ms`. */
async function exitWithin(d: ChildDaemon, ms = 15_000): Promise<number | null> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`aistackd still running after ${ms} ms:\n${d.output()}`)),
      ms,
    );
  });
  try {
    return await Promise.race([d.exited, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Resolves true when something accepts a connection at `path`. */
function answers(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ path });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

describe('a daemon never outlives its home', () => {
  it('on SIGTERM removes its own socket, token copy and locks, and leaves nothing else in the socket directory', async () => {
    const dir = tempDir();
    const d = await daemonIn(dir);
    expect(readdirSync(join(dir, 'run')).sort()).toEqual([
      'aistack.sock',
      'aistack.sock.lock',
      'aistack.sock.token',
    ]);
    d.child.kill('SIGTERM');
    expect(await exitWithin(d), `aistackd logged:\n${d.output()}`).toBe(0);
    expect(readdirSync(join(dir, 'run'))).toEqual([]);
    expect(existsSync(join(d.dataDir, 'aistackd.lock'))).toBe(false);
  });

  it('puts the token copy in place before the socket can answer', async () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'run'), { mode: 0o700 });
    const appeared: string[] = [];
    const watcher = watch(join(dir, 'run'), (_event, name) => {
      if (name && !appeared.includes(name)) appeared.push(name);
    });
    try {
      await daemonIn(dir);
      await waitFor(() => appeared.includes('aistack.sock'), 'the socket to appear');
    } finally {
      watcher.close();
    }
    expect(appeared.indexOf('aistack.sock.token')).toBeGreaterThanOrEqual(0);
    expect(appeared.indexOf('aistack.sock.token')).toBeLessThan(appeared.indexOf('aistack.sock'));
  });

  it('exits 0 when its socket is removed, saying why', async () => {
    const d = await daemonIn(tempDir());
    unlinkSync(d.socketPath);
    expect(await exitWithin(d), `aistackd logged:\n${d.output()}`).toBe(0);
    expect(d.output()).toContain(`the socket ${d.socketPath} was removed; stopping`);
    expect(auditRecords(d).find((r) => r.event === 'daemon.socket_lost')).toMatchObject({
      socket: d.socketPath,
      reason: 'removed',
    });
    expect(d.output()).toContain('aistackd stopped');
    // Its own locks go with it.
    expect(existsSync(`${d.socketPath}.lock`)).toBe(false);
    expect(existsSync(join(d.dataDir, 'aistackd.lock'))).toBe(false);
  });

  it('exits when its socket is replaced by a file, and leaves the file alone', async () => {
    const dir = tempDir();
    const d = await daemonIn(dir);
    const other = join(dir, 'run', 'other');
    writeFileSync(other, 'a reinstall put this here');
    const ino = lstatSync(other).ino;
    renameSync(other, d.socketPath);
    expect(await exitWithin(d), `aistackd logged:\n${d.output()}`).toBe(0);
    expect(d.output()).toMatch(/replaced by a regular file that is not this daemon's/);
    expect(auditRecords(d).find((r) => r.event === 'daemon.socket_lost')).toMatchObject({
      reason: 'replaced',
      found: 'regular file',
    });
    expect(lstatSync(d.socketPath).ino).toBe(ino);
    expect(readFileSync(d.socketPath, 'utf8')).toBe('a reinstall put this here');
  });

  it('exits when another socket takes the path, and that socket keeps working', async () => {
    const dir = tempDir();
    const d = await daemonIn(dir);
    const server = createServer((c) => {
      c.on('error', () => {}); // the probe below hangs up without reading
      c.end('hello\n');
    });
    const bound = join(dir, 'run', 'other.sock');
    await new Promise<void>((resolve) => server.listen(bound, resolve));
    renameSync(bound, d.socketPath);
    const ino = lstatSync(d.socketPath).ino;
    try {
      expect(await exitWithin(d), `aistackd logged:\n${d.output()}`).toBe(0);
      expect(d.output()).toMatch(/replaced by a socket that is not this daemon's/);
      expect(lstatSync(d.socketPath).ino).toBe(ino);
      expect(await answers(d.socketPath)).toBe(true);
    } finally {
      await new Promise<void>((r) => server.close(() => r()));
    }
  });

  it('exits when the whole directory is removed', async () => {
    const dir = tempDir();
    const d = await daemonIn(dir);
    rmSync(dir, { recursive: true, force: true, maxRetries: 5 });
    const code = await exitWithin(d);
    expect(code, d.output()).toBe(0);
    expect(d.output()).toMatch(/the socket directory .* is gone; stopping/);
  });

  it('after its directory is removed and a new daemon starts there, exits and leaves the new one serving', async () => {
    const dir = tempDir();
    // A slower check, so the new daemon is usually in place before the old one looks.
    const old = await daemonIn(dir, 2000);
    rmSync(dir, { recursive: true, force: true, maxRetries: 5 });
    mkdirSync(dir, { mode: 0o700 });
    const fresh = await daemonIn(dir);
    expect(await exitWithin(old)).toBe(0);
    expect(old.output()).toMatch(/the socket .* (was removed|was replaced by a socket)|is gone/);
    // The new daemon's socket, locks and database are untouched.
    expect(lstatSync(fresh.socketPath).isSocket()).toBe(true);
    expect(readFileSync(`${fresh.socketPath}.lock`, 'utf8').trim()).toBe(String(fresh.child.pid));
    // The data dir's lock: the pid, then the socket it serves (what clients discover).
    expect(readFileSync(join(fresh.dataDir, 'aistackd.lock'), 'utf8')).toBe(
      `${fresh.child.pid}\n${fresh.socketPath}\n`,
    );
    const c = await connectTo(fresh);
    const s = await openSession(c);
    await c.call('memory.store', { key: 'k', content: 'still here', ...s.creds });
    expect((await c.call('memory.get', { key: 'k', ...s.creds })).entry).toMatchObject({
      content: 'still here',
    });
    c.close();
    expect(fresh.child.exitCode).toBeNull();
  });
});
