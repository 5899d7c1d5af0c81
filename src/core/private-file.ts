/**
 * Writing a file at a path someone chose (an export's `--out`, a service unit) without
 * being turned against the user: the content goes to a new temp file beside the target
 * (created with O_EXCL and O_NOFOLLOW, mode 0600 unless told otherwise), and only a
 * finished file is renamed over the target. rename() replaces a path, it never follows
 * it, so nothing is ever written through a symlink.
 *
 * A target that is already there is checked first (with lstat) and refused — never
 * silently replaced — when it is a symbolic link (the file it points to is left as it
 * is), not a regular file, someone else's, or looser than the mode we would write (a
 * 0666 file where we write 0600): the message says what to do instead. The check runs
 * again just before the rename.
 */
import { randomBytes } from 'node:crypto';
import {
  closeSync,
  constants,
  fchmodSync,
  fsyncSync,
  lstatSync,
  openSync,
  readlinkSync,
  renameSync,
  rmSync,
  writeFileSync,
  type Stats,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';

export class UnsafeFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnsafeFileError';
  }
}

export interface ReplaceOptions {
  /** Mode of the file written; default 0o600 (only you may read it). */
  mode?: number;
  /** What the file is, for messages ("export file"). */
  what?: string;
}

const PRIVATE = 0o600;
const octal = (mode: number) => (mode & 0o777).toString(8).padStart(4, '0');

function lstatOrUndefined(path: string): Stats | undefined {
  try {
    return lstatSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/**
 * Throws UnsafeFileError unless `path` is absent, or a regular file of ours whose mode
 * gives nobody more than `mode` would.
 */
export function checkReplaceable(path: string, options: ReplaceOptions = {}): void {
  const mode = options.mode ?? PRIVATE;
  const refuse = (why: string) =>
    new UnsafeFileError(`refusing to write ${options.what ?? 'file'} ${path}: ${why}`);
  const st = lstatOrUndefined(path);
  if (!st) return;
  if (st.isSymbolicLink()) {
    let to = '';
    try {
      to = ` to ${readlinkSync(path)}`;
    } catch {
      /* gone meanwhile: the message stays true without it */
    }
    throw refuse(
      `it is a symbolic link${to}; nothing was written through it. Write to the real path, or remove the link and try again`,
    );
  }
  if (!st.isFile()) throw refuse('it exists and is not a regular file');
  const uid = process.getuid?.();
  if (uid !== undefined && st.uid !== uid)
    throw refuse(`it belongs to uid ${st.uid}, not to you (uid ${uid})`);
  if ((st.mode & 0o777 & ~mode) !== 0) {
    throw refuse(
      `it exists with mode ${octal(st.mode)}, looser than the ${octal(mode)} it would get; run chmod ${octal(mode).slice(1)} ${path} (or remove it) and try again`,
    );
  }
}

/** A file being written beside its target; nothing is at the target until `commit()`. */
export interface PendingFile {
  readonly tempPath: string;
  /** Appends to the temp file. */
  write(chunk: string | Uint8Array): void;
  /** Flushes, checks the target again and renames the temp file over it. */
  commit(): void;
  /** Removes the temp file; the target is left as it was. Safe to call after commit(). */
  abort(): void;
}

/** Starts writing `path` (after `checkReplaceable`): a fresh temp file in the same directory. */
export function beginReplace(path: string, options: ReplaceOptions = {}): PendingFile {
  const mode = options.mode ?? PRIVATE;
  checkReplaceable(path, options);
  const tempPath = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  const flags =
    constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | (constants.O_NOFOLLOW ?? 0);
  let fd: number | undefined = openSync(tempPath, flags, PRIVATE);
  let done = false;
  const close = () => {
    if (fd === undefined) return;
    closeSync(fd);
    fd = undefined;
  };
  const abort = () => {
    if (done) return;
    done = true;
    try {
      close();
    } finally {
      rmSync(tempPath, { force: true });
    }
  };
  try {
    // The umask can only take bits away; this sets exactly the mode asked for.
    fchmodSync(fd, mode);
  } catch (err) {
    abort();
    throw err;
  }
  return {
    tempPath,
    write(chunk) {
      if (fd === undefined) throw new Error(`${tempPath} is closed`);
      writeFileSync(fd, chunk);
    },
    commit() {
      if (done || fd === undefined) throw new Error(`${tempPath} is closed`);
      try {
        fsyncSync(fd);
        close();
        checkReplaceable(path, options);
        renameSync(tempPath, path);
        done = true;
      } catch (err) {
        abort();
        throw err;
      }
      syncDirectory(dirname(path));
    },
    abort,
  };
}

/** Writes `data` to `path` in one go, through a temp file and a rename. */
export function writeFileReplacing(
  path: string,
  data: string | Uint8Array,
  options: ReplaceOptions = {},
): void {
  const file = beginReplace(path, options);
  try {
    file.write(data);
    file.commit();
  } finally {
    file.abort();
  }
}

/** So the rename itself survives a power loss; best effort (not every system allows it). */
function syncDirectory(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, constants.O_RDONLY);
    fsyncSync(fd);
  } catch {
    /* the file is in place either way */
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/**
 * Throws UnsafeFileError unless `dir` (where files are appended to, such as logs, so no
 * rename can protect them) is a real directory, ours, that nobody else may write to:
 * otherwise someone could plant a symlink there under the name we are about to open.
 * A missing directory passes (the caller creates it 0700).
 */
export function checkOnlyYouWrite(dir: string, what: string): void {
  const st = lstatOrUndefined(dir);
  if (!st) return;
  const refuse = (why: string) =>
    new UnsafeFileError(`refusing to write ${what} in ${dir}: ${why}`);
  if (st.isSymbolicLink()) throw refuse('it is a symbolic link; use the real directory');
  if (!st.isDirectory()) throw refuse('not a directory');
  const uid = process.getuid?.();
  if (uid !== undefined && st.uid !== uid && st.uid !== 0)
    throw refuse(`it belongs to uid ${st.uid}, not to you (uid ${uid})`);
  if (st.mode & 0o022) {
    throw refuse(
      `mode ${octal(st.mode)} lets others create files there (who could plant a symlink under the file's name); choose a directory only you can write to`,
    );
  }
}
