/**
 * What is on disk: the plugin folders under the plugins directory, and for each one its
 * content hash and validated manifest — or the reason it cannot be trusted. This module
 * only looks; deciding (approved or not) and running belong to manager.ts.
 */
import { lstatSync, mkdirSync, readdirSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import { hashPluginDir, PluginRefusal } from './hash.js';
import { pluginNameSchema, type Manifest } from '../../protocol/plugin-manifest.js';
import { MANIFEST_FILE, parseManifest } from './manifest.js';

export type InspectRefusal =
  PluginRefusal['reason'] | 'invalid-name' | 'invalid-manifest' | 'insecure-dir';

export type Inspection =
  | { ok: true; name: string; dir: string; manifest: Manifest; hash: string; files: string[] }
  | { ok: false; name: string; reason: InspectRefusal; message: string; hash?: string };

/** Longest folder name shown back (folder names are not validated yet when listed). */
const NAME_SHOWN_MAX = 100;

/**
 * The plugins directory as a real path, created 0700 when missing. Refused when it is a
 * symlink, not a directory, someone else's, or writable by others: whoever can write
 * there can swap a plugin's files between the hash check and the load.
 */
export function pluginsDirectory(
  dir: string,
  create: boolean,
): { ok: true; path: string } | { ok: false; message: string } {
  let st;
  try {
    st = lstatSync(dir);
  } catch {
    if (!create) return { ok: true, path: dir };
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    st = lstatSync(dir);
  }
  if (st.isSymbolicLink()) return { ok: false, message: 'the plugins directory is a symlink' };
  if (!st.isDirectory()) return { ok: false, message: 'the plugins path is not a directory' };
  const uid = typeof process.getuid === 'function' ? process.getuid() : undefined;
  if ((uid !== undefined && st.uid !== uid) || (st.mode & 0o022) !== 0)
    return {
      ok: false,
      message: 'the plugins directory is writable by other users or owned by another user',
    };
  return { ok: true, path: realpathSync(dir) };
}

/** Names of the entries in the plugins directory that may be plugins (dot-entries and plain files are skipped). */
export function pluginFolderNames(dir: string): string[] {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
  return entries
    .filter((e) => !e.name.startsWith('.') && (e.isDirectory() || e.isSymbolicLink()))
    .map((e) => e.name.slice(0, NAME_SHOWN_MAX))
    .sort();
}

/** Hashes and validates one plugin folder. Never throws for anything the folder contains. */
export async function inspectPlugin(pluginsDir: string, name: string): Promise<Inspection> {
  if (!pluginNameSchema.safeParse(name).success)
    return {
      ok: false,
      name,
      reason: 'invalid-name',
      message: 'the folder name is not a valid plugin name',
    };
  const dir = join(pluginsDir, name);
  let content;
  try {
    content = await hashPluginDir(dir);
  } catch (err) {
    if (err instanceof PluginRefusal)
      return { ok: false, name, reason: err.reason, message: err.message };
    return { ok: false, name, reason: 'unreadable', message: 'the plugin folder cannot be read' };
  }
  const { hash, files } = content;
  const invalid = (message: string): Inspection => ({
    ok: false,
    name,
    reason: 'invalid-manifest',
    message,
    hash,
  });
  if (!content.manifest) return invalid(`${MANIFEST_FILE} is missing (or over 256 KiB)`);
  const parsed = parseManifest(content.manifest.toString('utf8'));
  if (!parsed.ok) return invalid(parsed.message);
  const { manifest } = parsed;
  if (manifest.name !== name)
    return invalid(`the manifest names "${manifest.name}" but the folder is "${name}"`);
  if (!files.includes(manifest.entry))
    return invalid(`the entry ${manifest.entry} is not a file in the plugin folder`);
  return { ok: true, name, dir, manifest, hash, files };
}
