/**
 * The private copy an approved plugin runs from: `<dataDir>/approved-plugins/<name>/<hash>/`,
 * directories 0700 and files 0400. It is taken from the plugin folder each time the
 * plugin loads, hashed again where it lies, and used only when that hash is the approved
 * one; the plugin's process may read nothing else. So an edit in the plugin folder after
 * approval — to a file the plugin imports lazily, say — changes nothing that runs until
 * the new content is approved (and a reload refuses the changed folder meanwhile).
 *
 * Files are read with O_NOFOLLOW and must still be regular files within the size limits;
 * whatever happens to the folder while it is copied, only the approved bytes can pass
 * the hash check of the copy.
 */
import { constants } from 'node:fs';
import { mkdir, mkdtemp, open, readdir, realpath, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { ensurePrivateDir } from '../../core/private-dir.js';
import { pluginNameSchema } from '../../protocol/plugin-manifest.js';
import { HASH_LIMITS, hashPluginDir } from './hash.js';

export type CopyOutcome =
  { ok: true; dir: string } | { ok: false; reason: 'changed' | 'copy-failed'; message: string };

/** The folder under the data dir that holds the copies. */
export function approvedPluginsRoot(dataDir: string): string {
  return join(dataDir, 'approved-plugins');
}

/**
 * The real path of a verified copy of `files` (relative paths, from inspection) of the
 * plugin folder `source`, whose hash must be `hash`. Reuses a copy that still verifies;
 * removes the plugin's older copies. Never throws.
 */
export async function approvedCopy(
  root: string,
  name: string,
  source: string,
  files: string[],
  hash: string,
): Promise<CopyOutcome> {
  const home = join(root, name);
  const target = join(home, hash);
  try {
    ensurePrivateDir(root, 'approved plugins directory');
    ensurePrivateDir(home, 'approved plugin directory');
    if (!(await verifies(target, hash))) {
      await rm(target, { recursive: true, force: true });
      const tmp = await mkdtemp(join(home, '.copy-'));
      try {
        await copyFiles(source, files, tmp);
        if (!(await verifies(tmp, hash)))
          return {
            ok: false,
            reason: 'changed',
            message: 'its files changed while they were being copied',
          };
        await rename(tmp, target);
      } finally {
        await rm(tmp, { recursive: true, force: true });
      }
    }
    await prune(home, hash);
    return { ok: true, dir: await realpath(target) };
  } catch (err) {
    const why = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    return {
      ok: false,
      reason: 'copy-failed',
      message: `its private copy could not be made in the data dir (${why})`,
    };
  }
}

/** Removes every copy of a plugin (its approval was revoked). */
export async function removeApprovedCopies(root: string, name: string): Promise<void> {
  if (!pluginNameSchema.safeParse(name).success) return;
  await rm(join(root, name), { recursive: true, force: true });
}

async function verifies(dir: string, hash: string): Promise<boolean> {
  return hashPluginDir(dir).then(
    (content) => content.hash === hash,
    () => false,
  );
}

async function copyFiles(source: string, files: string[], dest: string): Promise<void> {
  let budget = HASH_LIMITS.maxBytes;
  for (const rel of files) {
    const bytes = await readPlain(join(source, rel), budget);
    budget -= bytes.length;
    const to = join(dest, rel);
    await mkdir(dirname(to), { recursive: true, mode: 0o700 });
    await writeFile(to, bytes, { mode: 0o400, flag: 'wx' });
  }
}

/** A regular file's bytes, never through a symlink, refusing more than `max` bytes. */
async function readPlain(path: string, max: number): Promise<Buffer> {
  const handle = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  try {
    const st = await handle.stat();
    if (!st.isFile() || st.size > max)
      throw Object.assign(new Error('not a regular file within the limits'), { code: 'EINVAL' });
    return await handle.readFile();
  } finally {
    await handle.close();
  }
}

/** Removes everything in a plugin's copies folder but the copy in use (older hashes, leftovers). */
async function prune(home: string, keep: string): Promise<void> {
  for (const entry of await readdir(home))
    if (entry !== keep) await rm(join(home, entry), { recursive: true, force: true });
}
