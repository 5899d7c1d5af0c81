#!/usr/bin/env node
/**
 * The `aistack` CLI, and `aistack mcp`, the shim every MCP client starts. On a Node that
 * has module.enableCompileCache (22.8+), the first thing it does is turn it on, so a start
 * reuses V8's compiled code for the modules it loads instead of compiling them again.
 * Everything else is imported after that (a dynamic import): a static import would be
 * loaded before this module's body runs, too early for the cache.
 */
import nodeModule from 'node:module';
import { homedir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { ensurePrivateDir } from '../core/private-dir.js';

enableCompileCache();

const { main } = await import('../clients/cli/main.js');

// `aistack memory list | head`: a reader that stops early is not an error.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw err;
});

const code = await main(process.argv);
process.exitCode = code;

/**
 * The cache lives in `$XDG_CACHE_HOME/aistack/compile-cache` (`~/.cache/…`), a 0700
 * directory checked like the daemon's own (ours, not a symlink, nothing for others), not
 * in Node's default `os.tmpdir()/node-compile-cache`: that one is shared by every user of
 * the machine and created 0755 by whoever comes first, so another user could create it
 * and plant code-cache entries that this process would run. `NODE_COMPILE_CACHE`, when
 * set, was already applied by Node at start-up and wins; `NODE_DISABLE_COMPILE_CACHE=1`
 * turns the cache off. Never throws: a cache that cannot be used only costs speed.
 */
function enableCompileCache(): void {
  const api = nodeModule as { enableCompileCache?: (directory?: string) => unknown };
  if (typeof api.enableCompileCache !== 'function' || process.env.NODE_COMPILE_CACHE) return;
  try {
    const xdg = process.env.XDG_CACHE_HOME;
    const ours = join(xdg && isAbsolute(xdg) ? xdg : join(homedir(), '.cache'), 'aistack');
    ensurePrivateDir(ours, 'cache directory');
    const dir = join(ours, 'compile-cache');
    ensurePrivateDir(dir, 'compile cache');
    api.enableCompileCache(dir);
  } catch {
    // No cache: a slower start, nothing else.
  }
}
