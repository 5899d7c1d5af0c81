/**
 * What the daemon takes for its own socket, against the two ways another file could pass
 * for it: put at the path in the instant after the socket is linked there (the CI flake:
 * a client can connect, and so act, before the daemon has run another line), and a file
 * that shares the socket's device, inode number and birth time.
 */
import { constants, lstatSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { identityOf, sameFile } from '../../src/daemon/file-identity.js';
import { listenPrivately, removeOwnSocket } from '../../src/daemon/socket-home.js';
import { inspectSocket } from '../../src/daemon/socket-watch.js';
import { cleanupAll, tempDir } from '../helpers/daemon.js';

/**
 * `linkSync` as the daemon's code sees it, with a hook run right after the link: what
 * another process can do while the daemon is descheduled at that point of a busy machine.
 */
const hook = vi.hoisted(() => ({ afterLink: undefined as ((to: string) => void) | undefined }));
vi.mock('node:fs', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs')>();
  const linkSync: typeof fs.linkSync = (from, to) => {
    fs.linkSync(from, to);
    hook.afterLink?.(String(to));
  };
  return { ...fs, default: { ...fs, linkSync }, linkSync };
});

afterEach(() => {
  hook.afterLink = undefined;
  cleanupAll();
});

const logger = pino({ level: 'silent' });
const close = (server: Server) => new Promise<void>((r) => server.close(() => r()));

function runDir(): string {
  const dir = join(tempDir(), 'run');
  mkdirSync(dir, { mode: 0o700 });
  return dir;
}

async function listen(
  path: string,
): Promise<{ server: Server; own: ReturnType<typeof identityOf> }> {
  const server = createServer();
  const own = await listenPrivately(
    { listen: (p) => new Promise<void>((resolve) => server.listen(p, resolve)) },
    path,
    logger,
  );
  return { server, own };
}

describe('the identity listenPrivately records', () => {
  it('is its socket, even when a file is renamed over the path the instant the socket is linked there', async () => {
    const dir = runDir();
    const path = join(dir, 'aistack.sock');
    writeFileSync(join(dir, 'other'), 'a reinstall put this here');
    let linked = false;
    hook.afterLink = (to) => {
      if (to !== path) return;
      linked = true;
      renameSync(join(dir, 'other'), path);
    };
    const { server, own } = await listen(path);
    expect(linked).toBe(true);
    // The watch sees the replacement on its first check ...
    expect(inspectSocket(path, own)).toEqual({ reason: 'replaced', found: 'regular file' });
    expect(own.type).toBe(constants.S_IFSOCK);
    expect(own.ino).not.toBe(lstatSync(path).ino);
    // ... and the daemon's stop (server close, then removeOwnSocket) leaves the file alone.
    await close(server);
    expect(removeOwnSocket(path, own)).toBe('not ours');
    expect(readFileSync(path, 'utf8')).toBe('a reinstall put this here');
  });

  it('is its socket, even when another socket takes the path the instant it is linked there', async () => {
    const dir = runDir();
    const path = join(dir, 'aistack.sock');
    const other = createServer();
    await new Promise<void>((r) => other.listen(join(dir, 'other.sock'), r));
    hook.afterLink = (to) => {
      if (to === path) renameSync(join(dir, 'other.sock'), path);
    };
    const { server, own } = await listen(path);
    const theirs = lstatSync(path).ino;
    expect(inspectSocket(path, own)).toEqual({ reason: 'replaced', found: 'socket' });
    expect(own.ino).not.toBe(theirs);
    await close(server);
    expect(removeOwnSocket(path, own)).toBe('not ours');
    expect(lstatSync(path).ino).toBe(theirs);
    await close(other);
  });
});

describe('a file that is not a socket', () => {
  /** A regular file at the socket path, and its identity as lstat gives it. */
  function fileAtSocketPath() {
    const path = join(runDir(), 'aistack.sock');
    writeFileSync(path, 'not a socket');
    return { path, file: identityOf(lstatSync(path)) };
  }

  it('is not the socket whose device, inode number and birth time it has (inode reuse, no birth time)', () => {
    const { path, file } = fileAtSocketPath();
    // The socket's inode freed and reused by this file, on a file system without birth times.
    const socket = { ...file, type: constants.S_IFSOCK };
    expect(sameFile(file, socket)).toBe(false);
    expect(inspectSocket(path, socket)).toEqual({ reason: 'replaced', found: 'regular file' });
    expect(removeOwnSocket(path, socket)).toBe('not ours');
    expect(readFileSync(path, 'utf8')).toBe('not a socket');
  });

  it('is never the daemon socket, even if its own identity was recorded as the socket', () => {
    // What a bind at the path itself (no room for a temporary name) can record when a
    // file is renamed there between the bind and the stat.
    const { path, file } = fileAtSocketPath();
    expect(inspectSocket(path, file)).toEqual({ reason: 'replaced', found: 'regular file' });
    expect(removeOwnSocket(path, file)).toBe('not ours');
    expect(readFileSync(path, 'utf8')).toBe('not a socket');
  });
});
