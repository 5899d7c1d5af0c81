import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { assertDistFresh, staleDist } from './global-setup.js';
import { checkResults, cleanupAll, tempDir } from './helpers/daemon.js';
import { killLeftovers, markedProcesses, TEST_RUN_VAR } from './helpers/test-run.js';

afterEach(cleanupAll);

/** A checkout with these files, each given its own mtime (seconds since epoch). */
function tree(files: Record<string, number>): string {
  const root = tempDir('aistack-dist-');
  for (const [rel, mtime] of Object.entries(files)) {
    const path = join(root, rel);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, '');
    utimesSync(path, mtime, mtime);
  }
  return root;
}

describe('the stale-dist check (vitest global setup)', () => {
  it('passes when every source has an output built after it', () => {
    const root = tree({ 'src/a.ts': 100, 'src/x/b.ts': 100, 'dist/a.js': 200, 'dist/x/b.js': 200 });
    expect(staleDist(root)).toBeUndefined();
  });

  it('names a source edited after the build', () => {
    const root = tree({ 'src/a.ts': 100, 'src/x/b.ts': 300, 'dist/a.js': 200, 'dist/x/b.js': 200 });
    expect(staleDist(root)).toBe('src/x/b.ts is newer than dist/x/b.js');
  });

  it('names a source added since the build, and a missing dist/', () => {
    expect(staleDist(tree({ 'src/a.ts': 100, 'src/new.ts': 100, 'dist/a.js': 200 }))).toBe(
      'dist/new.js is missing',
    );
    expect(staleDist(tree({ 'src/a.ts': 100 }))).toBe('dist/ is missing');
  });

  it('counts other files under src/ too', () => {
    const root = tree({ 'src/a.ts': 100, 'src/data.json': 300, 'dist/a.js': 200 });
    expect(staleDist(root)).toBe('src/data.json is newer than dist/');
  });

  it('fails loudly, saying what to run', () => {
    const root = tree({ 'src/a.ts': 300, 'dist/a.js': 200 });
    expect(() => assertDistFresh(root)).toThrow(
      'dist/ is older than src/ (src/a.ts is newer than dist/a.js): run npm run build (or npm test)',
    );
  });
});

describe("the run's leftovers", () => {
  const idle = (env: NodeJS.ProcessEnv) => {
    const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], {
      env: { PATH: process.env.PATH, ...env },
      stdio: 'ignore',
    });
    const exited = new Promise((resolve) => child.once('exit', (_code, signal) => resolve(signal)));
    return { child, exited };
  };

  it('every process a test starts carries the mark of this run', () => {
    expect(process.env[TEST_RUN_VAR]).toMatch(/^[0-9a-f-]{36}$/);
    expect(checkResults[TEST_RUN_VAR]).toBe(process.env[TEST_RUN_VAR]);
  });

  it('kills the processes carrying a mark, and only those', async () => {
    const mark = randomUUID();
    const marked = idle({ [TEST_RUN_VAR]: mark });
    const other = idle({ [TEST_RUN_VAR]: randomUUID() });
    try {
      await expect
        .poll(() => markedProcesses(mark), { timeout: 20_000 })
        .toEqual([marked.child.pid]);
      expect(killLeftovers(mark)).toEqual([
        `${marked.child.pid} ${process.execPath} -e setInterval(() => {}, 1000)`,
      ]);
      expect(await marked.exited).toBe('SIGKILL');
      expect(other.child.exitCode).toBeNull();
      expect(other.child.signalCode).toBeNull();
    } finally {
      other.child.kill('SIGKILL');
      marked.child.kill('SIGKILL');
    }
  });
});
