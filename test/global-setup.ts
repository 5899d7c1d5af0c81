/**
 * Vitest global setup: fail the whole run, before any test, when dist/ does not match
 * src/. Many tests spawn dist/bin/*.js (the real CLI and daemon), so a stale build would
 * test old code while the in-process tests test new code. `npm test` builds first; this
 * catches a direct `npx vitest run` after an edit. A stat per source file: a few ms.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomUUID } from 'node:crypto';
import { killLeftovers, TEST_RUN_VAR } from './helpers/test-run.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** Why dist/ is stale (the first reason found), or undefined when every output is newer than its source. */
export function staleDist(root = ROOT): string | undefined {
  const src = join(root, 'src');
  const dist = join(root, 'dist');
  if (!existsSync(dist)) return 'dist/ is missing';
  // tsc (no incremental build) rewrites every output, so each src/X.ts has a dist/X.js at
  // least as new as itself; any other file in src/ must be older than the build.
  let oldestOutput = Infinity;
  const others: string[] = [];
  for (const rel of readdirSync(src, { recursive: true, encoding: 'utf8' })) {
    const file = join(src, rel);
    const stat = statSync(file);
    if (!stat.isFile()) continue;
    if (!rel.endsWith('.ts') || rel.endsWith('.d.ts')) {
      others.push(rel);
      continue;
    }
    const out = join(dist, rel.replace(/\.ts$/, '.js'));
    if (!existsSync(out)) return `dist/${rel.replace(/\.ts$/, '.js')} is missing`;
    const built = statSync(out).mtimeMs;
    if (built < stat.mtimeMs) return `src/${rel} is newer than dist/${rel.replace(/\.ts$/, '.js')}`;
    oldestOutput = Math.min(oldestOutput, built);
  }
  for (const rel of others) {
    if (statSync(join(src, rel)).mtimeMs > oldestOutput) return `src/${rel} is newer than dist/`;
  }
  return staleWeb(root);
}

/** The dashboard (web/ → dist/web): Vite rewrites dist/web/index.html on every build. */
function staleWeb(root: string): string | undefined {
  const web = join(root, 'web');
  if (!existsSync(web)) return undefined;
  const index = join(root, 'dist', 'web', 'index.html');
  if (!existsSync(index)) return 'dist/web/index.html is missing';
  const built = statSync(index).mtimeMs;
  for (const rel of readdirSync(web, { recursive: true, encoding: 'utf8' })) {
    const stat = statSync(join(web, rel));
    if (stat.isFile() && stat.mtimeMs > built) return `web/${rel} is newer than dist/web`;
  }
  return undefined;
}

/** Throws, saying what to run, when dist/ is stale. */
export function assertDistFresh(root = ROOT): void {
  const reason = staleDist(root);
  if (reason) {
    throw new Error(`dist/ is older than src/ (${reason}): run npm run build (or npm test)`);
  }
}

// Vitest calls this (with its own context argument) once before any test file loads;
// what it returns runs once after the last. The run's mark goes to every process the
// tests start (the workers inherit it); at the end, whatever still carries it is killed.
export default function setup(): () => void {
  assertDistFresh();
  const mark = randomUUID();
  process.env[TEST_RUN_VAR] = mark;
  return () => {
    const killed = killLeftovers(mark);
    if (killed.length > 0)
      console.warn(
        `test teardown: killed ${killed.length} process(es) a test left running:\n  ${killed.join('\n  ')}`,
      );
  };
}
