/**
 * Which project an MCP client works in, as the shim (and the daemon's /mcp, for a client
 * on this machine) tells the daemon at session start: the client's first root (MCP
 * `roots/list`, a file:// URI), else the shim's working directory; the top level of the
 * git work tree holding that folder names the project, so every subfolder of a
 * repository is the same project. `.git` is found by walking up (a directory, or a file
 * in worktrees and submodules) — no subprocess, at most MAX_LEVELS folders. The home
 * folder and the filesystem root are nobody's project: a client started there gets no
 * project (its writes stay in its session).
 *
 * A client on another machine (MCP over HTTP from a non-loopback address) lists folders
 * of ITS machine: the daemon must not look them up in its own file system (another
 * folder, or none, lives at that path here). `projectOfRootText` names the project from
 * the path's text alone: the root folder as given, no git walk, no symlinks resolved.
 */
import { lstatSync, realpathSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, dirname, isAbsolute, join, posix, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { projectRefSchema, type ProjectRef } from '../protocol/project.js';

const MAX_LEVELS = 64;

const exists = (path: string) => {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
};

/** The folder as the filesystem names it (symlinks resolved), or as given when it is gone. */
function canonical(folder: string): string {
  try {
    return realpathSync(folder);
  } catch {
    return resolve(folder);
  }
}

/** The top level of the git work tree holding `folder`, if any (bounded walk up). */
export function gitTopLevel(folder: string): string | undefined {
  let dir = folder;
  for (let level = 0; level < MAX_LEVELS; level++) {
    if (exists(join(dir, '.git'))) return dir;
    const up = dirname(dir);
    if (up === dir) return undefined;
    dir = up;
  }
  return undefined;
}

/** The project of a folder: its git top level, else itself; none for home and `/`. */
export function projectOfFolder(folder: string, home = homedir()): ProjectRef | undefined {
  if (!isAbsolute(folder)) return undefined;
  const dir = canonical(folder);
  const root = gitTopLevel(dir) ?? dir;
  if (dirname(root) === root || root === canonical(home)) return undefined;
  return { name: basename(root), root };
}

/** The local folder of a root URI (`file:///…`), or undefined for any other kind. */
export function folderOfRootUri(uri: string): string | undefined {
  try {
    return uri.startsWith('file:') ? fileURLToPath(uri) : undefined;
  } catch {
    return undefined;
  }
}

/** The project for the first usable root, if any root names a local folder. */
export function projectOfRoots(
  roots: readonly { uri: string }[],
  home?: string,
): ProjectRef | undefined {
  for (const r of roots) {
    const folder = folderOfRootUri(r.uri);
    if (folder !== undefined) return projectOfFolder(folder, home);
  }
  return undefined;
}

/** How long a client may take to answer `roots/list` before the fallback is used. */
export const ROOTS_TIMEOUT_MS = 5000;

/** Home folders and drive roots by their text: nobody's project on any machine. */
const HOME_LIKE = /^\/(?:[A-Za-z]:\/?)?(?:(?:home|Users)\/[^/]+|root)?$/;

/**
 * The project of a root URI from another machine, from the path's text only: the folder
 * as named (normalized, no trailing slash), its last segment as the name. None for a
 * root that is not a file URI, nor for `/`, a drive root or a home folder.
 */
export function projectOfRootText(roots: readonly { uri: string }[]): ProjectRef | undefined {
  for (const r of roots) {
    let path: string;
    try {
      const url = new URL(r.uri);
      if (url.protocol !== 'file:') continue;
      path = decodeURIComponent(url.pathname);
    } catch {
      continue;
    }
    const root = posix.normalize(path).replace(/(.)\/+$/, '$1');
    if (!root.startsWith('/') || HOME_LIKE.test(root)) return undefined;
    return { name: posix.basename(root), root };
  }
  return undefined;
}

/**
 * The project a connection's sessions are bound to: asked of its source once, when the
 * first session opens, and the same for every session after (a fresh one after a daemon
 * restart or a session_end stays in the project). A source that fails, or names a project the daemon
 * would refuse, means no project — the session still opens.
 */
export class ProjectBinding {
  private answer: Promise<ProjectRef | null> | undefined;

  constructor(
    private readonly source: () => Promise<ProjectRef | undefined>,
    private readonly log: (message: string) => void,
  ) {}

  get(): Promise<ProjectRef | null> {
    this.answer ??= this.source().then(
      (ref) => {
        if (ref === undefined) return null;
        const parsed = projectRefSchema.safeParse(ref);
        if (parsed.success) return parsed.data;
        this.log(`not binding to project ${JSON.stringify(ref)}: ${parsed.error.message}`);
        return null;
      },
      (err: unknown) => {
        this.log(`no project: ${(err as Error).message}`);
        return null;
      },
    );
    return this.answer;
  }
}
