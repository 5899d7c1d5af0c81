/**
 * The content hash a plugin is approved by: SHA-256 over every file under its folder,
 * sorted by relative path, each as (path length, path, size, bytes). A changed byte, a
 * renamed file or a new file changes it. Anything that is not a plain directory or
 * regular file is refused outright — a symlink could point out of the folder, a FIFO
 * could hang the read — and so is anything another user could write to, since a file
 * that can change after it is hashed makes the approval meaningless.
 *
 * Entries are checked with lstat and files opened with O_NOFOLLOW, then compared with
 * fstat, so a file swapped for a symlink between the two is refused too. The manifest
 * is returned from the same bytes that were hashed, never read a second time.
 */
import { createHash } from 'node:crypto';
import { constants, type Stats } from 'node:fs';
import { lstat, open, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { MANIFEST_FILE, MANIFEST_MAX_BYTES } from './manifest.js';

export const HASH_LIMITS = { maxFiles: 2000, maxBytes: 32 * 1024 * 1024, maxDepth: 16 };

export type RefusalReason =
  'symlink' | 'not-regular-file' | 'insecure-permissions' | 'too-large' | 'unreadable';

/** Why a plugin folder cannot be hashed (and so cannot be approved or loaded). */
export class PluginRefusal extends Error {
  constructor(
    readonly reason: RefusalReason,
    message: string,
  ) {
    super(message);
    this.name = 'PluginRefusal';
  }
}

export interface PluginContent {
  /** Hex SHA-256. */
  hash: string;
  /** Relative paths ('/'-separated), sorted. */
  files: string[];
  bytes: number;
  /** The manifest file's bytes as hashed, when there is one. */
  manifest?: Buffer;
}

const uid = typeof process.getuid === 'function' ? process.getuid() : undefined;

function checkOwner(rel: string, st: Stats): void {
  if ((st.mode & 0o022) !== 0 || (uid !== undefined && st.uid !== uid)) {
    throw new PluginRefusal(
      'insecure-permissions',
      `${rel} is writable by other users or owned by another user`,
    );
  }
}

export async function hashPluginDir(
  dir: string,
  limits: typeof HASH_LIMITS = HASH_LIMITS,
): Promise<PluginContent> {
  const top = await lstat(dir).catch(() => {
    throw new PluginRefusal('unreadable', 'the plugin folder cannot be read');
  });
  if (top.isSymbolicLink())
    throw new PluginRefusal('symlink', 'the plugin folder is a symbolic link');
  if (!top.isDirectory())
    throw new PluginRefusal('not-regular-file', 'the plugin path is not a folder');
  checkOwner('the plugin folder', top);

  const found: { rel: string; abs: string; st: Stats }[] = [];
  let total = 0;
  const walk = async (abs: string, rel: string, depth: number): Promise<void> => {
    if (depth > limits.maxDepth)
      throw new PluginRefusal('too-large', `folders nested deeper than ${limits.maxDepth}`);
    const names = await readdir(abs);
    for (const name of names) {
      const childRel = rel ? `${rel}/${name}` : name;
      const childAbs = join(abs, name);
      const st = await lstat(childAbs);
      if (st.isSymbolicLink()) throw new PluginRefusal('symlink', `${childRel} is a symbolic link`);
      checkOwner(childRel, st);
      if (st.isDirectory()) {
        await walk(childAbs, childRel, depth + 1);
      } else if (st.isFile()) {
        total += st.size;
        found.push({ rel: childRel, abs: childAbs, st });
        if (found.length > limits.maxFiles)
          throw new PluginRefusal('too-large', `more than ${limits.maxFiles} files`);
        if (total > limits.maxBytes)
          throw new PluginRefusal('too-large', `more than ${limits.maxBytes} bytes of files`);
      } else {
        throw new PluginRefusal('not-regular-file', `${childRel} is not a regular file`);
      }
    }
  };
  try {
    await walk(dir, '', 0);
  } catch (err) {
    if (err instanceof PluginRefusal) throw err;
    throw new PluginRefusal('unreadable', 'a file in the plugin folder cannot be read');
  }

  found.sort((a, b) => (a.rel < b.rel ? -1 : a.rel > b.rel ? 1 : 0));
  const h = createHash('sha256').update('aistack-plugin-v1\0');
  let manifest: Buffer | undefined;
  for (const f of found) {
    const bytes = await readExact(f.rel, f.abs, f.st);
    const name = Buffer.from(f.rel, 'utf8');
    const head = Buffer.alloc(12);
    head.writeUInt32BE(name.length, 0);
    head.writeBigUInt64BE(BigInt(bytes.length), 4);
    h.update(head.subarray(0, 4)).update(name).update(head.subarray(4)).update(bytes);
    if (f.rel === MANIFEST_FILE && bytes.length <= MANIFEST_MAX_BYTES) manifest = bytes;
  }
  return {
    hash: h.digest('hex'),
    files: found.map((f) => f.rel),
    bytes: total,
    ...(manifest && { manifest }),
  };
}

/** Reads a file that must still be the regular file lstat saw (never through a symlink). */
async function readExact(rel: string, abs: string, seen: Stats): Promise<Buffer> {
  let handle;
  try {
    handle = await open(abs, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ELOOP') throw new PluginRefusal('symlink', `${rel} is a symbolic link`);
    throw new PluginRefusal('unreadable', `${rel} cannot be read`);
  }
  try {
    const st = await handle.stat();
    if (!st.isFile() || st.ino !== seen.ino || st.dev !== seen.dev)
      throw new PluginRefusal('not-regular-file', `${rel} changed while it was being read`);
    const bytes = await handle.readFile();
    if (bytes.length !== seen.size)
      throw new PluginRefusal('not-regular-file', `${rel} changed while it was being read`);
    return bytes;
  } finally {
    await handle.close();
  }
}
