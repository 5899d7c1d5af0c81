/**
 * Single instance. A lock file beside the socket (and one in the data dir) holds the
 * owner's pid, created with O_EXCL so two daemons starting at once cannot both win. A
 * lock whose pid is dead is stale and is taken over; one whose pid lives is refused.
 * The socket itself is then probed: a socket that answers belongs to a live daemon and
 * is never replaced; one that refuses connections is a leftover and is removed.
 * A lock is released only while it is still the file this daemon created: a lock another
 * daemon has put at the path since (after a removed directory, say) is left alone.
 */
import { closeSync, fstatSync, lstatSync, openSync, unlinkSync, writeSync } from 'node:fs';
import { connect } from 'node:net';
import { pidAlive, readLockPid, readLockSocket } from '../core/lock-file.js';
import { identityOf, sameFile } from './file-identity.js';

export class AlreadyRunningError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AlreadyRunningError';
  }
}

export interface Lock {
  path: string;
  release(): void;
}

/**
 * Takes the lock at `path` or throws AlreadyRunningError naming the holder. `socket`, when
 * given, is written on the lock's second line: the data dir's lock names the socket its
 * daemon serves, so a client that computes another socket path (a different environment)
 * still finds it, and a second daemon's refusal names the socket to use.
 */
export function acquireLock(path: string, what: string, socket?: string): Lock {
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = openSync(path, 'wx', 0o600);
      let own;
      try {
        writeSync(fd, socket === undefined ? `${process.pid}\n` : `${process.pid}\n${socket}\n`);
        own = identityOf(fstatSync(fd));
      } finally {
        closeSync(fd);
      }
      return {
        path,
        release() {
          let st;
          try {
            st = lstatSync(path);
          } catch {
            return; // already gone
          }
          if (sameFile(identityOf(st), own) && readLockPid(path) === process.pid) {
            try {
              unlinkSync(path);
            } catch {
              /* already gone */
            }
          }
        },
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const holder = readLockPid(path);
    if (holder !== undefined && holder !== process.pid && pidAlive(holder)) {
      const serving = readLockSocket(path);
      throw new AlreadyRunningError(
        serving !== undefined && serving !== socket
          ? `another aistackd (pid ${holder}) is already running for ${what}, serving ${serving}; reach it with --socket ${serving} (or AISTACK_SOCKET=${serving})`
          : `another aistackd (pid ${holder}) is already running for ${what}; stop it with \`aistack daemon stop\` (lock: ${path})`,
      );
    }
    try {
      unlinkSync(path);
    } catch {
      /* raced with another starter; loop and try again */
    }
  }
  throw new AlreadyRunningError(`could not take the lock ${path}; another daemon is starting`);
}

/** Resolves true when something accepts connections on the socket path. */
export function socketAnswers(path: string, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ path });
    const done = (alive: boolean) => {
      socket.destroy();
      resolve(alive);
    };
    socket.setTimeout(timeoutMs, () => done(true));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/** Removes a socket file left by a dead daemon; refuses if it is live or not a socket. */
export async function clearStaleSocket(path: string): Promise<boolean> {
  let st;
  try {
    st = lstatSync(path);
  } catch {
    return false;
  }
  if (!st.isSocket()) {
    throw new AlreadyRunningError(`${path} exists and is not a socket; refusing to replace it`);
  }
  if (await socketAnswers(path)) {
    throw new AlreadyRunningError(`a live daemon already serves ${path}; refusing to replace it`);
  }
  unlinkSync(path);
  return true;
}
