/**
 * The owner token: a secret the daemon writes, once, to `<data dir>/owner.token` (0600,
 * created exclusively, never through a symlink). Whoever can read that file is the
 * local user — the CLI and the MCP shim read it and present it with `auth.hello`; a
 * plugin, whose sandbox cannot read the data dir, cannot. A token file that is not a
 * private regular file of this user is refused, never trusted or silently rewritten.
 */
import { randomBytes } from 'node:crypto';
import {
  closeSync,
  constants,
  fstatSync,
  lstatSync,
  openSync,
  readFileSync,
  rmSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';

export const OWNER_TOKEN_FILE = 'owner.token';

export const ownerTokenPath = (dataDir: string) => join(dataDir, OWNER_TOKEN_FILE);

export class OwnerTokenError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OwnerTokenError';
  }
}

/** A fresh token: `ast_` and 256 random bits (the shape the log scrubber masks). */
export const newToken = () => `ast_${randomBytes(32).toString('base64url')}`;

function checkPrivate(path: string): void {
  const st = lstatSync(path);
  if (!st.isFile()) throw new OwnerTokenError(`${path} is not a regular file; refusing to use it`);
  if (st.mode & 0o077) {
    throw new OwnerTokenError(
      `${path} is readable by others (mode ${(st.mode & 0o777).toString(8)}); run \`chmod 600 ${path}\`, or delete it to get a new token`,
    );
  }
  if (process.getuid && st.uid !== process.getuid()) {
    throw new OwnerTokenError(`${path} belongs to another user; refusing to use it`);
  }
}

/** Reads the owner token, creating it (0600, exclusively) when the data dir has none yet. */
export function ensureOwnerToken(dataDir: string): string {
  const path = ownerTokenPath(dataDir);
  try {
    const fd = openSync(
      path,
      constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW,
      0o600,
    );
    try {
      if ((fstatSync(fd).mode & 0o777) !== 0o600)
        throw new OwnerTokenError(`could not create ${path} with mode 0600`);
      writeSync(fd, `${newToken()}\n`);
    } finally {
      closeSync(fd);
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  return readOwnerToken(dataDir)!;
}

/**
 * The copy of the owner token the running daemon keeps beside its socket, so a client that
 * knows only the socket (an MCP client started with a minimal environment) can present
 * it. The socket's directory is as private as the data dir (0700, checked at start).
 */
export const socketTokenPath = (socketPath: string) => `${socketPath}.token`;

/** Writes the socket-side copy afresh (a stale one from a dead daemon is replaced). */
export function writeSocketToken(socketPath: string, token: string): void {
  const path = socketTokenPath(socketPath);
  rmSync(path, { force: true });
  const fd = openSync(
    path,
    constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW,
    0o600,
  );
  try {
    writeSync(fd, `${token}\n`);
  } finally {
    closeSync(fd);
  }
}

/** Removes the socket-side copy if it is still this token (never another daemon's). */
export function removeSocketToken(socketPath: string, token: string): void {
  try {
    if (readTokenFile(socketTokenPath(socketPath)) === token) rmSync(socketTokenPath(socketPath));
  } catch {
    /* gone, or not ours */
  }
}

/** The owner token, or undefined when the daemon has not written one yet. Throws on an unsafe file. */
export function readOwnerToken(dataDir: string): string | undefined {
  return readTokenFile(ownerTokenPath(dataDir));
}

/** The token a client should present to the daemon on `socketPath`: beside the socket, else in the data dir. */
export function findOwnerToken(socketPath: string, dataDir: string): string | undefined {
  return readTokenFile(socketTokenPath(socketPath)) ?? readOwnerToken(dataDir);
}

function readTokenFile(path: string): string | undefined {
  try {
    checkPrivate(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  const fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW);
  try {
    const token = readFileSync(fd, 'utf8').trim();
    if (!/^ast_[A-Za-z0-9_-]{43}$/.test(token))
      throw new OwnerTokenError(`${path} does not hold a token; delete it to get a new one`);
    return token;
  } finally {
    closeSync(fd);
  }
}
