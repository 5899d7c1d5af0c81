/**
 * A stand-in `gh` for tests: a small Node script written into a temp bin dir. Each run
 * appends one JSON line to a log (its argv exactly as received, and the environment it
 * was given), then behaves as the control file says: print
 * canned output, fail as an unauthenticated gh does, hang, or flood stdout.
 *
 * It reads flags the way gh's parser (spf13/pflag) does — `--name=value`, `--name value`
 * with the next element taken as the value even when it starts with `-`, `-R value`, and
 * `--help` anywhere meaning "print help and stop" — so a test can see what gh would have
 * understood, not only what it was given. For `issue create` it answers with the URL of
 * the repository it *parsed*, so an option smuggled into a title would show up there.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';

export type FakeGhBehaviour =
  /** Exit 0 printing `stdout` (for `issue create`, the default is the parsed repo's URL). */
  | { kind: 'ok'; stdout?: string }
  /** Exit 1 with gh's "please run gh auth login" message. */
  | { kind: 'not-logged-in' }
  /** Exit with `exitCode`, writing `stderr`; `{GH_TOKEN}` in it is replaced by the env value. */
  | { kind: 'fail'; exitCode?: number; stderr: string }
  /** Sleep this long before exiting 0. */
  | { kind: 'sleep'; ms: number }
  /**
   * Like `sleep`, after starting a child that keeps gh's stdout and stderr open for `ms`;
   * the child's pid goes to `orphans()` as soon as it is started.
   */
  | { kind: 'orphan'; ms: number }
  /** Print this many bytes to stdout. */
  | { kind: 'flood'; bytes: number };

export interface FakeGhCall {
  argv: string[];
  /** What a pflag-style parser makes of argv: flag values (last wins) and positionals. */
  flags: Record<string, string>;
  positionals: string[];
  sawToken: boolean;
  /** The whole environment it was started with. */
  env: Record<string, string>;
}

export interface FakeGh {
  /** Put this first on PATH. */
  binDir: string;
  /** Full path of the stand-in, for `ghPath`. */
  path: string;
  behave(behaviour: FakeGhBehaviour): void;
  /** Every run so far, oldest first. */
  calls(): FakeGhCall[];
  /** Pids of the children that `orphan` runs started, oldest first. */
  orphans(): number[];
  /** `base` with binDir first on its PATH. */
  env(base?: NodeJS.ProcessEnv): NodeJS.ProcessEnv;
}

// Wrapped in an async function around import() so it runs whether Node reads it as
// CommonJS or as an ES module (a temp dir under a "type": "module" package).
const SCRIPT = String.raw`#!/usr/bin/env node
(async () => {
const fs = await import('node:fs');
const LOG = __LOG__;
const CONTROL = __CONTROL__;
const ORPHANS = __ORPHANS__;
const argv = process.argv.slice(2);
const SHORT = { R: 'repo', t: 'title', b: 'body', l: 'label', L: 'limit', s: 'state' };
const flags = {};
const positionals = [];
let help = false;
for (let i = 0; i < argv.length; i++) {
  const a = argv[i];
  if (a === '--') { positionals.push(...argv.slice(i + 1)); break; }
  if (a === '--help' || a === '-h') { help = true; continue; }
  if (a.startsWith('--')) {
    const eq = a.indexOf('=');
    if (eq >= 0) flags[a.slice(2, eq)] = a.slice(eq + 1);
    else flags[a.slice(2)] = argv[++i] ?? '';
  } else if (a.startsWith('-') && a.length > 1) {
    const name = SHORT[a[1]] || a[1];
    flags[name] = a.length > 2 ? a.slice(2) : (argv[++i] ?? '');
  } else positionals.push(a);
}
fs.appendFileSync(LOG, JSON.stringify({ argv, flags, positionals, sawToken: Boolean(process.env.GH_TOKEN), env: process.env }) + '\n');
const b = JSON.parse(fs.readFileSync(CONTROL, 'utf8'));
if (help) { process.stdout.write('Work seamlessly with GitHub from the command line.\n'); process.exit(0); }
switch (b.kind) {
  case 'ok': {
    const created = argv[0] === 'issue' && argv[1] === 'create';
    const out = b.stdout ?? (created ? 'https://github.com/' + flags.repo + '/issues/42\n' : '[]');
    process.stdout.write(out);
    break;
  }
  case 'not-logged-in':
    process.stderr.write('To get started with GitHub CLI, please run:  gh auth login\nAlternatively, populate the GH_TOKEN environment variable with a GitHub API authentication token.\n');
    process.exit(1);
  case 'fail':
    process.stderr.write(b.stderr.split('{GH_TOKEN}').join(process.env.GH_TOKEN ?? ''));
    process.exit(b.exitCode ?? 1);
  case 'sleep':
    setTimeout(() => process.exit(0), b.ms);
    break;
  case 'orphan': {
    const { spawn } = await import('node:child_process');
    const code = 'setTimeout(() => {}, ' + b.ms + ')';
    const child = spawn(process.execPath, ['-e', code], { stdio: ['ignore', 'inherit', 'inherit'] });
    fs.appendFileSync(ORPHANS, child.pid + '\n');
    setTimeout(() => process.exit(0), b.ms);
    break;
  }
  case 'flood':
    process.stdout.write('x'.repeat(b.bytes));
    break;
}
})();
`;

/** Writes the stand-in `gh` into `<dir>/bin` (behaving `ok` until told otherwise). */
export function installFakeGh(dir: string): FakeGh {
  const binDir = join(dir, 'bin');
  mkdirSync(binDir, { recursive: true });
  const logPath = join(dir, 'gh-calls.jsonl');
  const controlPath = join(dir, 'gh-control.json');
  const orphansPath = join(dir, 'gh-orphans.txt');
  const path = join(binDir, 'gh');
  writeFileSync(
    path,
    SCRIPT.replace('__LOG__', JSON.stringify(logPath))
      .replace('__CONTROL__', JSON.stringify(controlPath))
      .replace('__ORPHANS__', JSON.stringify(orphansPath)),
  );
  chmodSync(path, 0o755);
  const behave = (b: FakeGhBehaviour) => writeFileSync(controlPath, JSON.stringify(b));
  behave({ kind: 'ok' });
  return {
    binDir,
    path,
    behave,
    calls: () =>
      existsSync(logPath)
        ? readFileSync(logPath, 'utf8')
            .split('\n')
            .filter(Boolean)
            .map((l) => JSON.parse(l) as FakeGhCall)
        : [],
    orphans: () =>
      existsSync(orphansPath)
        ? readFileSync(orphansPath, 'utf8').split('\n').filter(Boolean).map(Number)
        : [],
    env: (base = {}) => ({
      ...base,
      PATH: [binDir, base.PATH ?? process.env.PATH].filter(Boolean).join(delimiter),
    }),
  };
}
