/**
 * Folders for project tests: A is a git work tree named `alpha` (with a nested
 * subfolder), B a plain folder named `beta`; both apart, under a fresh temp dir.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from './daemon.js';

export function projectFolders(prefix = 'aistack-projects-') {
  const base = tempDir(prefix);
  const a = join(base, 'work', 'alpha');
  const deep = join(a, 'src', 'deep');
  const b = join(base, 'other', 'beta');
  mkdirSync(deep, { recursive: true });
  mkdirSync(join(a, '.git'));
  mkdirSync(b, { recursive: true });
  return { base, a, deep, b };
}
