import { mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { assertDistFresh, staleDist } from './global-setup.js';
import { cleanupAll, tempDir } from './helpers/daemon.js';

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
