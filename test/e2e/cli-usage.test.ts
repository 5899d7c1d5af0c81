/**
 * Usage errors: an option value or argument that cannot be valid exits 2 with a message
 * naming the option or field and what it takes — before anything contacts the daemon, so
 * a typo never starts one (autostart is on in every case here, and no socket appears).
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AISTACKD, cleanupAll, runCli, tempDir, cliEnv as envFor } from '../helpers/daemon.js';

afterEach(cleanupAll);

describe('CLI usage errors', () => {
  const cases: [string[], RegExp][] = [
    [
      ['memory', 'list', '--limit', 'abc'],
      /option '-l, --limit <n>' argument 'abc' is invalid\. expected a whole number from 1 to 1000/,
    ],
    [['memory', 'list', '--limit', '5000'], /--limit <n>' argument '5000' is invalid/],
    [['memory', 'search', 'x', '--limit', '0'], /--limit <n>' argument '0' is invalid/],
    [
      ['session', 'start', '--idle', 'abc'],
      /--idle <minutes>' argument 'abc' is invalid\. expected a positive number/,
    ],
    [['--timeout', '-3', 'ping'], /--timeout <seconds>' argument '-3' is invalid/],
    [['memory', 'get', 'k'.repeat(2000)], /invalid arguments — key: .*<=255 characters/],
    [
      ['memory', 'store', 'k', 'text', '-n', 'bad space'],
      /invalid arguments — namespace: namespace may contain only/,
    ],
    [['memory', 'list', '--bogus'], /unknown option '--bogus'/],
  ];

  const named = cases.map(
    ([args, message]) => [args.join(' ').slice(0, 50), args, message] as const,
  );
  it.each(named)(
    'aistack %s exits 2 naming what is wrong, and starts no daemon',
    async (_name, args, message) => {
      const dir = tempDir();
      const r = await runCli(args, envFor(dir));
      expect(r.stderr).toMatch(message);
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
      expect(existsSync(join(dir, 'run', 'aistack.sock'))).toBe(false);
      expect(existsSync(join(dir, 'data'))).toBe(false);
    },
  );

  it('aistackd with an unknown option exits 2 and says which', async () => {
    const dir = tempDir();
    const r = await new Promise<{ code: number | null; err: string }>((resolve) => {
      const child = spawn(process.execPath, [AISTACKD, '--bogus'], {
        env: { PATH: process.env.PATH, HOME: dir },
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let err = '';
      child.stderr.on('data', (d) => (err += d));
      child.once('close', (code) => resolve({ code, err }));
    });
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/unknown option '--bogus'/);
  });
});

describe('CLI errors with --json', () => {
  it('are one JSON object on stderr, for usage errors and for the daemon not running', async () => {
    const dir = tempDir();
    const usage = await runCli(['--json', 'memory', 'list', '--limit', 'abc'], envFor(dir));
    expect(usage.code).toBe(2);
    expect(JSON.parse(usage.stderr)).toEqual({
      error: {
        code: 'USAGE',
        message: expect.stringContaining("--limit <n>' argument 'abc' is invalid"),
      },
    });
    const field = await runCli(['--json', 'memory', 'get', 'k'.repeat(300)], envFor(dir));
    expect(field.code).toBe(2);
    expect(JSON.parse(field.stderr).error.message).toMatch(/key: .*<=255 characters/);
    const down = await runCli(['--json', '--no-autostart', 'memory', 'list'], envFor(dir));
    expect(down.code).toBe(3);
    expect(JSON.parse(down.stderr)).toEqual({
      error: { code: 'NOT_RUNNING', message: expect.stringContaining('not running') },
    });
  });
});
