/**
 * The state directories are the security boundary (the socket's and the data's): owned
 * by us, nothing for group or others, never reached through a symlink. They are checked
 * with `lstat` after creation, so a directory planted by someone else is refused, not
 * adopted.
 */
import { lstatSync, mkdirSync } from 'node:fs';

export class UnsafeDirectoryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnsafeDirectoryError';
  }
}

/** Creates `dir` (and parents) 0700 if missing, then verifies it is private to this user. */
export function ensurePrivateDir(dir: string, what: string): void {
  let created = false;
  try {
    lstatSync(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    created = true;
  }
  const st = lstatSync(dir);
  if (st.isSymbolicLink()) {
    throw new UnsafeDirectoryError(
      `refusing to use ${what} ${dir}: it is a symbolic link; point aistack at the real directory instead`,
    );
  }
  if (!st.isDirectory())
    throw new UnsafeDirectoryError(`refusing to use ${what} ${dir}: not a directory`);
  const uid = process.getuid?.();
  if (uid !== undefined && st.uid !== uid) {
    throw new UnsafeDirectoryError(
      `refusing to use ${what} ${dir}: it belongs to uid ${st.uid}, not to you (uid ${uid})`,
    );
  }
  const mode = st.mode & 0o777;
  if (mode & 0o077) {
    const how = created ? '' : `; run: chmod 700 ${dir}`;
    throw new UnsafeDirectoryError(
      `refusing to use ${what} ${dir}: mode ${mode.toString(8).padStart(4, '0')} lets others in (want 0700)${how}`,
    );
  }
}
