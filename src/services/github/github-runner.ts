/**
 * Running `gh` once, and turning each way it can go wrong into one clear AppError.
 *
 * `execFile`, never a shell: the argument list reaches gh's `argv` exactly as built, so
 * `$(…)`, backticks and `;` in a title are just characters. Every run has an output cap
 * and a timeout: SIGKILL, since a hung gh may ignore SIGTERM, and Node closes the pipes
 * then too, so a child of gh still holding them cannot keep the call waiting. gh gets
 * only the variables it needs from the daemon's environment (gh-env.ts: its token and
 * config dir, PATH, HOME, locale, never a provider key); nothing here logs them, and
 * gh's stderr goes through the Redactor before it is quoted.
 */
import { execFile, type ExecFileException } from 'node:child_process';
import type { Redactor } from '../../config/secrets.js';
import { AppError } from '../../core/errors.js';
import { ghEnv } from './gh-env.js';

export interface GhRunOptions {
  ghPath: string;
  timeoutMs: number;
  maxOutputBytes: number;
  /** The daemon's environment; gh gets only its allowlisted part. */
  env: NodeJS.ProcessEnv;
  redactor: Redactor;
}

/** Short names for how a run ended, as audit records and error `data.reason` show them. */
export type GhOutcomeKind =
  | 'ok'
  | 'disabled'
  | 'not-installed'
  | 'not-startable'
  | 'not-authenticated'
  | 'not-found'
  | 'timeout'
  | 'output-too-large'
  | 'killed'
  | 'failed'
  | 'bad-output';

export type GhOutcome =
  | { ok: true; stdout: string; exitCode: 0 }
  | { ok: false; error: AppError; exitCode: number | null; kind: GhOutcomeKind };

// gh's wording when it has no usable credentials ("To get started with GitHub CLI,
// please run:  gh auth login", "You are not logged into any GitHub hosts", HTTP 401).
const AUTH_HINTS = /not logged in|gh auth login|authentication|HTTP 401|Bad credentials/i;
const NOT_FOUND_HINTS = /Could not resolve to a Repository|HTTP 404/i;
const MAX_QUOTED = 300;

/** Values gh does not need for a non-interactive call, set so it never waits on a prompt. */
const QUIET_ENV = { GH_PROMPT_DISABLED: '1', GH_NO_UPDATE_NOTIFIER: '1', NO_COLOR: '1' };

export function ghFailure(
  kind: GhOutcomeKind,
  message: string,
  code: 'PROVIDER_FAILURE' | 'TIMEOUT' | 'NOT_FOUND' | 'FEATURE_DISABLED' = 'PROVIDER_FAILURE',
  extra: Record<string, unknown> = {},
): AppError {
  return new AppError(code, message, { service: 'github', reason: kind, ...extra });
}

/** First non-empty line of gh's stderr, secrets masked, bounded. */
function quoteStderr(stderr: string, redactor: Redactor): string {
  const line = stderr.split('\n').find((l) => l.trim() !== '') ?? '';
  const scrubbed = redactor.scrubText(line.trim());
  return scrubbed.length > MAX_QUOTED ? `${scrubbed.slice(0, MAX_QUOTED - 1)}…` : scrubbed;
}

function classify(
  err: ExecFileException,
  stderr: string,
  opts: GhRunOptions,
): Extract<GhOutcome, { ok: false }> {
  const fail = (kind: GhOutcomeKind, error: AppError, exitCode: number | null = null) => ({
    ok: false as const,
    kind,
    error,
    exitCode,
  });
  // Checked before `killed`: Node also kills the child when the cap is hit.
  if (err.code === 'ERR_CHILD_PROCESS_STDIO_MAXBUFFER') {
    return fail(
      'output-too-large',
      ghFailure(
        'output-too-large',
        `gh printed more than ${opts.maxOutputBytes} bytes; it was stopped (ask for fewer results or raise github.maxOutputBytes)`,
      ),
    );
  }
  if (err.code === 'ENOENT') {
    return fail(
      'not-installed',
      ghFailure(
        'not-installed',
        'gh is not installed or not on PATH; install the GitHub CLI (https://cli.github.com) or set github.ghPath',
      ),
    );
  }
  if (typeof err.code === 'string') {
    return fail(
      'not-startable',
      ghFailure('not-startable', `gh could not be started (${err.code}); check github.ghPath`),
    );
  }
  // Only execFile's own timeout sets `killed` here (the output cap was handled above).
  if (err.killed) {
    return fail(
      'timeout',
      ghFailure(
        'timeout',
        `gh did not finish within ${opts.timeoutMs} ms; it was stopped`,
        'TIMEOUT',
        { timeoutMs: opts.timeoutMs },
      ),
    );
  }
  if (err.signal) {
    return fail('killed', ghFailure('killed', `gh was stopped by ${err.signal}`));
  }
  const exitCode = typeof err.code === 'number' ? err.code : null;
  if (AUTH_HINTS.test(stderr)) {
    return fail(
      'not-authenticated',
      ghFailure(
        'not-authenticated',
        'gh is not authenticated: run gh auth login (or give the daemon GH_TOKEN)',
        'PROVIDER_FAILURE',
        { exitCode },
      ),
      exitCode,
    );
  }
  const quoted = quoteStderr(stderr, opts.redactor);
  if (NOT_FOUND_HINTS.test(stderr)) {
    return fail(
      'not-found',
      ghFailure('not-found', `GitHub: ${quoted}`, 'NOT_FOUND', { exitCode }),
      exitCode,
    );
  }
  return fail(
    'failed',
    ghFailure(
      'failed',
      `gh failed (exit ${exitCode ?? '?'})${quoted ? `: ${quoted}` : ''}`,
      'PROVIDER_FAILURE',
      { exitCode },
    ),
    exitCode,
  );
}

/** Runs gh with `argv` and resolves (never rejects) with its stdout or a classified failure. */
export function runGh(argv: readonly string[], opts: GhRunOptions): Promise<GhOutcome> {
  return new Promise((resolve) => {
    const child = execFile(
      opts.ghPath,
      argv,
      {
        env: { ...ghEnv(opts.env), ...QUIET_ENV },
        timeout: opts.timeoutMs,
        killSignal: 'SIGKILL',
        maxBuffer: opts.maxOutputBytes,
        encoding: 'utf8',
        windowsHide: true,
      },
      (err, stdout, stderr) => {
        if (!err) resolve({ ok: true, stdout, exitCode: 0 });
        else resolve(classify(err, stderr, opts));
      },
    );
    // gh never needs input here; an open stdin could only make it wait.
    child.stdin?.on('error', () => {});
    child.stdin?.end();
  });
}
