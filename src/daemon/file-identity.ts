/**
 * Telling one file from another at the same path: type, device, inode and birth time. A
 * file put at a path after ours was removed differs in at least one, so the daemon can
 * check that a socket or lock file is still the one it created before it removes it.
 *
 * The type is there because the other three do not always tell files apart: an inode
 * number is reused once its file is freed, and birth time is 0 where the file system or
 * kernel does not report it and coarse on others. A regular file is never a socket,
 * whatever its inode number says.
 */
import { constants, type Stats } from 'node:fs';

export interface FileIdentity {
  /** The file type bits of the mode (S_IFMT): socket, regular file, directory, … */
  type: number;
  dev: number;
  ino: number;
  birthtimeMs: number;
}

export function identityOf(st: Stats): FileIdentity {
  return {
    type: st.mode & constants.S_IFMT,
    dev: st.dev,
    ino: st.ino,
    birthtimeMs: st.birthtimeMs,
  };
}

export function sameFile(a: FileIdentity, b: FileIdentity): boolean {
  return a.type === b.type && a.dev === b.dev && a.ino === b.ino && a.birthtimeMs === b.birthtimeMs;
}

/** True when `st` is a socket and the very socket `own` identifies. */
export function isOwnSocket(st: Stats, own: FileIdentity): boolean {
  return st.isSocket() && sameFile(identityOf(st), own);
}

/** A word for a file's type, for logs: what the daemon found where its file was. */
export function describeFileType(st: Stats): string {
  if (st.isSocket()) return 'socket';
  if (st.isFile()) return 'regular file';
  if (st.isDirectory()) return 'directory';
  if (st.isSymbolicLink()) return 'symbolic link';
  if (st.isFIFO()) return 'fifo';
  return 'special file';
}
