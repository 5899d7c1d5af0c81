/**
 * The daemon's socket file as something it owns: listen so the socket is 0600 from birth
 * and the path is ours alone, remember its identity (device + inode + birth time), and
 * remove it on stop only if the file there is still that one — never a socket or file
 * another daemon or an installer has put at the path since.
 *
 * Why listen on a temporary name: libuv unlinks a listening socket's bind path when the
 * server closes, whatever file is there by then. Bound to a private temporary name and
 * hard-linked into place, the server's close unlinks only the (already removed)
 * temporary name, and removing the real path is left to `removeOwnSocket`.
 *
 * The identity is read from the temporary name, before the link: once the socket is at
 * the real path a client can connect (the kernel accepts into the backlog without this
 * process running) and anyone may put another file there, so a stat of the real path
 * after the link can already see that file and take it for ours. The link and a rename
 * keep the inode, so the identity read first is the one at the path.
 */
import { chmodSync, linkSync, lstatSync, renameSync, unlinkSync, type Stats } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Logger } from 'pino';
import { identityOf, isOwnSocket, type FileIdentity } from './file-identity.js';
import { AlreadyRunningError, clearStaleSocket } from './instance-lock.js';

/** The longest path a Unix socket can bind to (sun_path, Linux). */
const MAX_SOCKET_PATH_BYTES = 107;

/** Throws, naming the path and its length, when `socketPath` is too long to bind. */
export function assertSocketPathFits(socketPath: string): void {
  const bytes = Buffer.byteLength(socketPath);
  if (bytes > MAX_SOCKET_PATH_BYTES) {
    throw new Error(
      `socket path is too long for a Unix socket (${bytes} bytes, max ${MAX_SOCKET_PATH_BYTES}): ${socketPath}`,
    );
  }
}

let bindCount = 0;

/**
 * A temporary bind name in the socket's own (private) directory, unique per process and
 * per call; the socket path itself when the directory leaves no room for one.
 */
function temporaryName(socketPath: string): string {
  const tag = `.${process.pid.toString(36)}-${(bindCount++).toString(36)}`;
  const name = join(dirname(socketPath), tag);
  return Buffer.byteLength(name) <= MAX_SOCKET_PATH_BYTES ? name : socketPath;
}

/** Puts the socket bound at `from` at `to`, refusing to replace anything there. */
function moveIntoPlace(from: string, to: string): void {
  try {
    linkSync(from, to);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') {
      try {
        unlinkSync(from);
      } catch {
        /* our own temporary name; nothing else to do */
      }
      throw new AlreadyRunningError(
        `${to} appeared while this daemon was starting; refusing to replace it`,
      );
    }
    // A file system without hard links: a rename, after the stale-socket check just made.
    renameSync(from, to);
    return;
  }
  try {
    unlinkSync(from);
  } catch (err) {
    // The directory was removed the moment the socket was in place: the socket watch
    // sees that next and stops the daemon cleanly, which a throw here would pre-empt.
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
}

/**
 * Listens on the socket path: a stale socket left by a dead daemon is removed first (a
 * live one never is), the umask makes the socket 0600 from birth, and the socket is
 * bound under a temporary name and linked into place (see the module comment).
 * Resolves with the identity of the socket this server is bound to, read before the
 * socket is at the path (see the module comment).
 */
export async function listenPrivately(
  server: { listen(path: string): Promise<void> },
  socketPath: string,
  logger: Logger,
): Promise<FileIdentity> {
  if (await clearStaleSocket(socketPath)) {
    logger.info({ socket: socketPath }, 'removed a stale socket left by a dead daemon');
  }
  const bindPath = temporaryName(socketPath);
  const previous = process.umask(0o177);
  try {
    await server.listen(bindPath);
  } finally {
    process.umask(previous);
  }
  chmodSync(bindPath, 0o600);
  // When the bind name is the path itself, a client could already connect and the file
  // may already be another's; the watch and removeOwnSocket then see a non-socket as
  // not ours (isOwnSocket), but another socket put there this early goes unnoticed.
  const own = identityOf(lstatSync(bindPath));
  if (bindPath !== socketPath) moveIntoPlace(bindPath, socketPath);
  else logger.debug({ socket: socketPath }, 'socket path too long for a temporary bind name');
  return own;
}

/**
 * Removes the socket at `path` only if it is still the file this daemon created.
 * Returns what it did, for the stop log.
 */
export function removeOwnSocket(
  path: string,
  own: FileIdentity,
): 'removed' | 'already gone' | 'not ours' {
  let st: Stats;
  try {
    st = lstatSync(path);
  } catch {
    return 'already gone';
  }
  if (!isOwnSocket(st, own)) return 'not ours';
  try {
    unlinkSync(path);
    return 'removed';
  } catch {
    return 'already gone';
  }
}
