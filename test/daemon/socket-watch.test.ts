import {
  chmodSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import type { FileIdentity } from '../../src/daemon/file-identity.js';
import { listenPrivately } from '../../src/daemon/socket-home.js';
import { SocketWatch, type IntervalTimer, type SocketLoss } from '../../src/daemon/socket-watch.js';
import { cleanupAll, tempDir } from '../helpers/daemon.js';

afterEach(cleanupAll);

/** A timer the test ticks by hand: no waiting, and it shows whether the watch is armed. */
function fakeTimer() {
  let armed: { fn: () => void; ms: number } | undefined;
  const timer: IntervalTimer = {
    set(fn, ms) {
      armed = { fn, ms };
      return armed;
    },
    clear(handle) {
      if (handle === armed) armed = undefined;
    },
  };
  return {
    timer,
    get armed() {
      return armed;
    },
    tick: () => armed?.fn(),
  };
}

/** A socket bound the way the daemon binds its own, and its server. */
async function ownSocket(logger: pino.Logger) {
  const dir = join(tempDir(), 'run');
  mkdirSync(dir, { mode: 0o700 });
  const path = join(dir, 'aistack.sock');
  const server = createServer();
  const own = await listenPrivately(
    { listen: (p) => new Promise<void>((resolve) => server.listen(p, resolve)) },
    path,
    logger,
  );
  return { dir, path, server, own };
}

const close = (server: Server) => new Promise<void>((r) => server.close(() => r()));

function setup() {
  let logText = '';
  const logger = pino(
    { level: 'info' },
    new Writable({
      write(chunk, _e, cb) {
        logText += chunk.toString();
        cb();
      },
    }),
  );
  const audit: { event: string; details?: Record<string, unknown> }[] = [];
  const losses: SocketLoss[] = [];
  const fake = fakeTimer();
  return {
    logger,
    logs: () => logText,
    audit,
    losses,
    fake,
    watch: (path: string, own: FileIdentity) =>
      new SocketWatch({
        path,
        own,
        intervalMs: 2000,
        logger,
        audit: { record: (event, details) => audit.push({ event, details }) },
        onLost: (loss) => losses.push(loss),
        timer: fake.timer,
      }),
  };
}

describe('SocketWatch', () => {
  it('stays quiet while the socket is its own, even after a chmod', async () => {
    const s = setup();
    const { path, server, own } = await ownSocket(s.logger);
    const watch = s.watch(path, own);
    watch.start();
    expect(s.fake.armed?.ms).toBe(2000);
    s.fake.tick();
    chmodSync(path, 0o600);
    s.fake.tick();
    expect(s.losses).toEqual([]);
    expect(s.fake.armed).toBeDefined();
    watch.stop();
    await close(server);
  });

  it('fires once when the socket is removed, then stops checking', async () => {
    const s = setup();
    const { path, server, own } = await ownSocket(s.logger);
    const watch = s.watch(path, own);
    watch.start();
    unlinkSync(path);
    s.fake.tick();
    expect(s.losses).toEqual([{ reason: 'removed' }]);
    expect(s.audit).toEqual([
      { event: 'daemon.socket_lost', details: { socket: path, reason: 'removed' } },
    ]);
    expect(s.logs()).toContain(`the socket ${path} was removed; stopping`);
    expect(s.fake.armed).toBeUndefined(); // no more checks scheduled
    expect(watch.check()).toBeUndefined(); // and a stray one does nothing
    expect(s.losses).toHaveLength(1);
    expect(watch.removeOwnSocket()).toBe('already gone');
    await close(server);
  });

  it('reports a replacement, and leaves it in place when the server closes and the socket is removed', async () => {
    const s = setup();
    const { dir, path, server, own } = await ownSocket(s.logger);
    const watch = s.watch(path, own);
    watch.start();
    writeFileSync(join(dir, 'new'), 'another install');
    renameSync(join(dir, 'new'), path);
    s.fake.tick();
    expect(s.losses).toEqual([{ reason: 'replaced', found: 'regular file' }]);
    expect(s.logs()).toMatch(/replaced by a regular file that is not this daemon's/);
    // What a daemon's stop does: close the server, then remove the socket if it is its own.
    await close(server);
    expect(watch.removeOwnSocket()).toBe('not ours');
    expect(readFileSync(path, 'utf8')).toBe('another install');
  });

  it('reports a removed directory', async () => {
    const s = setup();
    const { dir, path, server, own } = await ownSocket(s.logger);
    const watch = s.watch(path, own);
    watch.start();
    rmSync(dir, { recursive: true, force: true });
    s.fake.tick();
    expect(s.losses).toEqual([{ reason: 'directory_gone' }]);
    expect(s.logs()).toContain(`the socket directory ${dir} is gone`);
    await close(server);
  });

  it('stop() before any loss cancels the timer, and later checks do nothing', async () => {
    const s = setup();
    const { path, server, own } = await ownSocket(s.logger);
    const watch = s.watch(path, own);
    watch.start();
    watch.stop();
    expect(s.fake.armed).toBeUndefined();
    unlinkSync(path);
    expect(watch.check()).toBeUndefined();
    watch.start(); // a stopped watch stays stopped
    expect(s.fake.armed).toBeUndefined();
    expect(s.losses).toEqual([]);
    await close(server);
  });

  it('with the real timer, fires within a short interval and only once', async () => {
    const s = setup();
    const { path, server, own } = await ownSocket(s.logger);
    const lost = new Promise<SocketLoss>((resolve) => {
      const watch = new SocketWatch({
        path,
        own,
        intervalMs: 100,
        logger: s.logger,
        audit: { record: () => {} },
        onLost: (loss) => {
          s.losses.push(loss);
          resolve(loss);
        },
      });
      watch.start();
    });
    unlinkSync(path);
    await expect(lost).resolves.toEqual({ reason: 'removed' });
    await new Promise((r) => setTimeout(r, 350)); // three more intervals: no second report
    expect(s.losses).toHaveLength(1);
    await close(server);
  });
});

describe('listenPrivately', () => {
  it('binds a 0600 socket at the path, leaves no temporary name, and its close removes nothing at the path', async () => {
    const s = setup();
    const { dir, path, server, own } = await ownSocket(s.logger);
    const st = lstatSync(path);
    expect(st.isSocket()).toBe(true);
    expect(st.mode & 0o777).toBe(0o600);
    expect(st.ino).toBe(own.ino);
    expect(readdirSync(dir)).toEqual(['aistack.sock']);
    await close(server);
    // libuv unlinks the bind path on close; the bind path was the temporary name.
    expect(existsSync(path)).toBe(true);
  });
});
