/**
 * The CLI turns on Node's module compile cache where Node has one (22.8+), in a private
 * directory of the user's cache dir; on Node 20 it runs as before. CI runs this file on
 * both, so each branch below is exercised by one of the runs.
 */
import { chmodSync, existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import nodeModule from 'node:module';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { VERSION } from '../../src/core/version.js';
import { cleanupAll, runCli, tempDir } from '../helpers/daemon.js';

afterEach(cleanupAll);

const HAS_COMPILE_CACHE =
  typeof (nodeModule as { enableCompileCache?: unknown }).enableCompileCache === 'function';

/** Every file under `dir`, recursively. */
const filesIn = (dir: string) =>
  readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) =>
    statSync(join(dir, f)).isFile(),
  );

function cacheEnv() {
  const home = tempDir('aistack-cc-');
  const cacheHome = join(home, 'xdg-cache');
  return { home, cacheHome, env: { HOME: home, XDG_CACHE_HOME: cacheHome } };
}

describe('the compile cache of the aistack CLI', () => {
  it(
    HAS_COMPILE_CACHE
      ? 'fills a 0700 dir of the user cache dir, and the next start uses it'
      : 'is not there on this Node, and the CLI works without it',
    async () => {
      const { cacheHome, env } = cacheEnv();
      const dir = join(cacheHome, 'aistack', 'compile-cache');
      const first = await runCli(['--version'], env);
      expect(first).toMatchObject({ code: 0, stderr: '' });
      expect(first.stdout.trim()).toBe(VERSION);
      if (!HAS_COMPILE_CACHE) {
        expect(existsSync(cacheHome)).toBe(false);
        return;
      }
      expect(statSync(join(cacheHome, 'aistack')).mode & 0o777).toBe(0o700);
      expect(statSync(dir).mode & 0o777).toBe(0o700);
      const cached = filesIn(dir);
      expect(cached.length).toBeGreaterThan(0);
      // Node's own trace of the cache says whether V8 took the cached code.
      const second = await runCli(['--version'], { ...env, NODE_DEBUG_NATIVE: 'COMPILE_CACHE' });
      expect(second).toMatchObject({ code: 0, stdout: first.stdout });
      expect(second.stderr).toMatch(
        /V8 code cache for ESM file:\S*\/dist\/clients\/cli\/main\.js was accepted/,
      );
      expect(filesIn(dir)).toEqual(expect.arrayContaining(cached));
    },
  );

  it('leaves alone a cache dir that others could write to, and still runs', async () => {
    const { cacheHome, env } = cacheEnv();
    const planted = join(cacheHome, 'aistack');
    mkdirSync(planted, { recursive: true });
    chmodSync(planted, 0o777);
    const r = await runCli(['--version'], env);
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(r.stdout.trim()).toBe(VERSION);
    expect(readdirSync(planted)).toEqual([]);
    expect(statSync(planted).mode & 0o777).toBe(0o777);
  });

  it('follows NODE_COMPILE_CACHE when the user sets it, and is off with NODE_DISABLE_COMPILE_CACHE', async () => {
    const { home, cacheHome, env } = cacheEnv();
    const chosen = join(home, 'chosen');
    const viaEnv = await runCli(['--version'], { ...env, NODE_COMPILE_CACHE: chosen });
    expect(viaEnv).toMatchObject({ code: 0, stderr: '' });
    expect(existsSync(join(cacheHome, 'aistack'))).toBe(false);
    if (HAS_COMPILE_CACHE) expect(filesIn(chosen).length).toBeGreaterThan(0);
    const off = await runCli(['--version'], { ...env, NODE_DISABLE_COMPILE_CACHE: '1' });
    expect(off).toMatchObject({ code: 0, stderr: '' });
    const ours = join(cacheHome, 'aistack', 'compile-cache');
    expect(existsSync(ours) ? filesIn(ours) : []).toEqual([]);
  });
});
