/**
 * Colours for people, never for scripts: the decision is a pure function of the
 * environment and the stream (unit-tested), and painting goes through node:util's
 * styleText (Node 20.12+; on an older Node nothing is painted). `FORCE_COLOR` wins as
 * Node's own does (`0`/`false` turns colour off, anything else on); then `NO_COLOR` (any
 * non-empty value, no-color.org) turns it off; then a `dumb` terminal; else colour exactly
 * when the stream is a TTY. `--json` output is never painted.
 */
import * as util from 'node:util';

export type Style = 'bold' | 'dim' | 'red' | 'green' | 'yellow' | 'cyan';

export function colourEnabled(
  env: NodeJS.ProcessEnv,
  isTTY: boolean | undefined,
  json = false,
): boolean {
  if (json) return false;
  const force = env.FORCE_COLOR;
  if (force !== undefined) return force !== '0' && force.toLowerCase() !== 'false';
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.TERM === 'dumb') return false;
  return Boolean(isTTY);
}

export type Paint = (style: Style | Style[], text: string) => string;

const plain: Paint = (_style, text) => text;

/** A painter that styles when `enabled` (and styleText exists), else returns text as is. */
export function painter(enabled: boolean): Paint {
  const styleText = (util as Partial<typeof util>).styleText;
  if (!enabled || typeof styleText !== 'function') return plain;
  // The decision is ours (above): styleText is told not to second-guess it.
  return (style, text) => styleText(style, text, { validateStream: false });
}

let forStdout: Paint | undefined;

/** The painter for this process's stdout. */
export function stdoutPaint(): Paint {
  forStdout ??= painter(colourEnabled(process.env, process.stdout.isTTY));
  return forStdout;
}

/** PASS/OK green, WARN yellow, FAIL/BROKEN red; anything else as is. */
export function paintVerdict(paint: Paint, verdict: string): string {
  if (/^(PASS|OK)$/.test(verdict)) return paint(['bold', 'green'], verdict);
  if (/^(WARN|SKIP)$/.test(verdict)) return paint(['bold', 'yellow'], verdict);
  if (/^(FAIL|FAILED|BROKEN|EVIDENCE LOST)$/.test(verdict)) return paint(['bold', 'red'], verdict);
  return verdict;
}
