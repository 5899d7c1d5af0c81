/**
 * The foreground log: pino-pretty lines on a terminal (or with --log-format pretty), JSON
 * lines otherwise (or with --log-format json), and every line written before exit, the
 * last ones of a shutdown included (the pretty stream is in process and synchronous).
 */
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  AISTACK,
  AISTACKD,
  cleanupAll,
  runCli,
  spawnDaemon,
  tempDir,
  cliEnv,
} from '../helpers/daemon.js';
import { waitFor } from '../helpers/wait.js';

afterEach(cleanupAll);

const ESC = '\u001b';

/** Runs a daemon until it answers, stops it with SIGTERM, and returns all it printed. */
async function logOf(dir: string, args: string[]): Promise<string> {
  const d = await spawnDaemon(dir, args);
  d.child.kill('SIGTERM');
  expect(await d.exited).toBe(0);
  return d.output();
}

const PRETTY_LINE = /^\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}\] INFO \(\d+\): aistackd listening$/m;

describe('foreground log format', () => {
  it('is JSON lines when stdout is not a terminal', async () => {
    const out = await logOf(tempDir(), []);
    const lines = out.trim().split('\n');
    for (const line of lines) expect(() => JSON.parse(line) as unknown).not.toThrow();
    expect(lines.map((l) => JSON.parse(l).msg)).toEqual(
      expect.arrayContaining(['aistackd listening', 'aistackd stopped']),
    );
  });

  it('is pino-pretty lines with --log-format pretty, the shutdown lines included', async () => {
    const out = await logOf(tempDir(), ['--log-format', 'pretty']);
    expect(out).toMatch(PRETTY_LINE);
    expect(out).toMatch(/INFO \(\d+\): aistackd stopped\n?$/);
    expect(out).not.toMatch(/^\{/m);
    expect(out).not.toContain(ESC); // a pipe: no colour
  });

  it('aistack daemon start -f --log-format json/pretty, and the flag needs -f', async () => {
    const dir = tempDir();
    const env = cliEnv(dir);
    const child = spawn(
      process.execPath,
      [AISTACK, 'daemon', 'start', '-f', '--log-format', 'pretty'],
      { env: { PATH: process.env.PATH, ...env }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    const exited = new Promise((r) => child.once('exit', r));
    await waitFor(() => PRETTY_LINE.test(out), 'the pretty "listening" line', {
      timeoutMs: 60_000,
    });
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(out).toMatch(/aistackd stopped/);

    const refused = await runCli(['daemon', 'start', '--log-format', 'json'], env);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/--log-format applies to --foreground only/);
    const bad = await runCli(['daemon', 'start', '-f', '--log-format', 'xml'], env);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/Allowed choices are json, pretty/);
  });

  it('is pretty (and coloured) by default on a terminal', async () => {
    // util-linux `script` gives the daemon a pseudo-terminal for stdout.
    if (spawnSync('script', ['--version']).status !== 0) {
      console.warn('`script` is not installed: the terminal default was not checked');
      return;
    }
    const dir = tempDir();
    const cmd = `exec ${process.execPath} ${AISTACKD} --socket ${join(dir, 'run', 'aistack.sock')} --data-dir ${join(dir, 'data')}`;
    const child = spawn('script', ['-qefc', cmd, '/dev/null'], {
      env: { PATH: process.env.PATH, HOME: dir, TERM: 'xterm' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    const exited = new Promise((r) => child.once('exit', r));
    await waitFor(() => /aistackd listening/.test(out), 'the "listening" line', {
      timeoutMs: 60_000,
    });
    const plain = () => out.replace(new RegExp(`${ESC}\\[[0-9;]*m`, 'g'), '').replace(/\r/g, '');
    expect(plain()).toMatch(PRETTY_LINE);
    // The daemon itself is stopped (its pid is on the line), so nothing outlives the test.
    process.kill(Number(/INFO \((\d+)\)/.exec(plain())![1]), 'SIGTERM');
    expect(await exited).toBe(0);
    expect(plain()).toMatch(/aistackd stopped/);
    expect(out).toContain(`${ESC}[`);
  });
});
