/**
 * When the CLI paints: only for a person at a terminal, never for a pipe or --json, and
 * as NO_COLOR / FORCE_COLOR say. The decision is a pure function; one real run checks
 * that piped output carries no escape sequence even where colour would apply.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { colourEnabled, painter, paintVerdict } from '../../../src/clients/cli/colour.js';
import { cleanupAll, runCli, tempDir } from '../../helpers/daemon.js';

afterEach(cleanupAll);

const ESC = '\u001b';

describe('colourEnabled', () => {
  it.each([
    ['a TTY, nothing set', {}, true, false, true],
    ['a pipe', {}, false, false, false],
    ['a TTY with --json', {}, true, true, false],
    ['a TTY with NO_COLOR=1', { NO_COLOR: '1' }, true, false, false],
    ['a TTY with NO_COLOR empty (means unset)', { NO_COLOR: '' }, true, false, true],
    ['a pipe with FORCE_COLOR=1', { FORCE_COLOR: '1' }, false, false, true],
    ['a pipe with FORCE_COLOR empty', { FORCE_COLOR: '' }, false, false, true],
    ['a TTY with FORCE_COLOR=0', { FORCE_COLOR: '0' }, true, false, false],
    ['a TTY with FORCE_COLOR=false', { FORCE_COLOR: 'false' }, true, false, false],
    ['FORCE_COLOR over NO_COLOR', { FORCE_COLOR: '1', NO_COLOR: '1' }, false, false, true],
    ['--json even with FORCE_COLOR', { FORCE_COLOR: '1' }, true, true, false],
    ['a dumb terminal', { TERM: 'dumb' }, true, false, false],
  ] as const)('%s', (_name, env, isTTY, json, expected) => {
    expect(colourEnabled(env, isTTY, json)).toBe(expected);
  });
});

describe('painter', () => {
  it('styles when enabled and leaves text alone when not', () => {
    expect(painter(true)('red', 'x')).toBe(`${ESC}[31mx${ESC}[39m`);
    expect(painter(false)('red', 'x')).toBe('x');
    expect(paintVerdict(painter(true), 'FAIL')).toContain(`${ESC}[31m`);
    expect(paintVerdict(painter(true), 'PASS')).toContain(`${ESC}[32m`);
    expect(paintVerdict(painter(true), 'WARN')).toContain(`${ESC}[33m`);
  });
});

describe('CLI output through a pipe', () => {
  it('has no escape sequence in doctor, help or a table, and FORCE_COLOR paints', async () => {
    const dir = tempDir();
    const env = {
      HOME: dir,
      AISTACK_SOCKET: `${dir}/run/aistack.sock`,
      AISTACK_DATA_DIR: `${dir}/data`,
    };
    const doctor = await runCli(['doctor', '--no-autostart'], env);
    expect(doctor.stdout).toMatch(/FAIL|SKIP/);
    expect(doctor.stdout).not.toContain(ESC);
    expect(doctor.stderr).not.toContain(ESC);
    const forced = await runCli(['doctor', '--no-autostart'], { ...env, FORCE_COLOR: '1' });
    expect(forced.stdout).toContain(ESC);
    const json = await runCli(['doctor', '--json'], { ...env, FORCE_COLOR: '1' });
    expect(json.stdout).not.toContain(ESC);
    expect(() => JSON.parse(json.stdout) as unknown).not.toThrow();
  });
});
