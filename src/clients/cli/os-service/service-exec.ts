/**
 * The installer's side effects, kept small and separate from the plan: running
 * systemctl/launchctl (execFile, never a shell, always a timeout), writing a service file
 * so that a half-written unit is never seen, and finding which system instances are
 * enabled.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { writeFileReplacing } from '../../../core/private-file.js';
import { SYSTEM_TEMPLATE } from './service-units.js';

export const COMMAND_TIMEOUT_MS = 30_000;

export interface RunResult {
  /** Exit code; 127 when the program was not found, 124 when it timed out. */
  code: number;
  stdout: string;
  stderr: string;
}

export type RunCommand = (argv: string[]) => Promise<RunResult>;

/** Everything the installer takes from the machine, so a test can hand in its own. */
export interface ServiceHost {
  env: NodeJS.ProcessEnv;
  platform: NodeJS.Platform;
  /** -1 where there are no uids. */
  uid: number;
  /** The node binary to put in the service file (process.execPath). */
  node: string;
  /** dist/bin/aistackd.js. */
  aistackd: string;
  run: RunCommand;
}

/**
 * Runs argv[0] found through `env.PATH` (so a stand-in on PATH is honoured), with a
 * timeout. Never rejects: failures come back as a code and stderr.
 */
export function commandRunner(
  env: NodeJS.ProcessEnv,
  timeoutMs: number = COMMAND_TIMEOUT_MS,
): RunCommand {
  return (argv) =>
    new Promise((resolve) => {
      const [file, ...args] = argv;
      execFile(
        file!,
        args,
        { env, timeout: timeoutMs, killSignal: 'SIGKILL', maxBuffer: 4 * 1024 * 1024 },
        (err, stdout, stderr) => {
          const e = err as (NodeJS.ErrnoException & { code?: unknown; killed?: boolean }) | null;
          let code = 0;
          if (e?.code === 'ENOENT') {
            code = 127;
            stderr = `${file}: command not found`;
          } else if (e?.killed) {
            code = 124;
            stderr = `${stderr}${file} did not finish within ${timeoutMs / 1000} s`;
          } else if (e) {
            code = typeof e.code === 'number' ? e.code : 1;
            if (!stderr) stderr = e.message;
          }
          resolve({ code, stdout: String(stdout), stderr: String(stderr) });
        },
      );
    });
}

export function readIfExists(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/**
 * Writes through a temp file and rename, so systemd or launchd never reads half a file;
 * a symlink, or a looser file than `mode`, at the path is refused (core/private-file.ts).
 */
export function writeServiceFile(path: string, content: string, mode: number): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o755 });
  writeFileReplacing(path, content, { mode, what: 'service file' });
}

export function removeServiceFile(path: string): boolean {
  if (!existsSync(path)) return false;
  rmSync(path);
  return true;
}

/** Instances of the system template that are enabled (linked from a *.wants directory). */
export function enabledInstances(unitDir: string): string[] {
  const [prefix, suffix] = SYSTEM_TEMPLATE.split('@') as [string, string];
  const found = new Set<string>();
  let entries: string[];
  try {
    entries = readdirSync(unitDir);
  } catch {
    return [];
  }
  for (const entry of entries.filter((e) => e.endsWith('.wants') || e.endsWith('.requires'))) {
    let links: string[];
    try {
      links = readdirSync(join(unitDir, entry));
    } catch {
      continue;
    }
    for (const link of links) {
      if (link.startsWith(`${prefix}@`) && link.endsWith(suffix) && link !== SYSTEM_TEMPLATE)
        found.add(link);
    }
  }
  return [...found].sort();
}
