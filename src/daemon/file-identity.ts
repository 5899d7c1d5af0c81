/**
 * Telling one file from another at the same path: device, inode and birth time. A file
 * put at a path after ours was removed differs in at least one, so the daemon can check
 * that a socket or lock file is still the one it created before it removes it.
 */
import type { Stats } from 'node:fs';

export interface FileIdentity {
  dev: number;
  ino: number;
  birthtimeMs: number;
}

export function identityOf(st: Stats): FileIdentity {
  return { dev: st.dev, ino: st.ino, birthtimeMs: st.birthtimeMs };
}

export function sameFile(a: FileIdentity, b: FileIdentity): boolean {
  return a.dev === b.dev && a.ino === b.ino && a.birthtimeMs === b.birthtimeMs;
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
