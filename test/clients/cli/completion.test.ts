/**
 * Shell completion: the scripts come from commander's command tree, load in their shell,
 * and complete commands, subcommands and options as typed so far. Bash runs for real
 * (the completion function called with COMP_WORDS/COMP_CWORD set, as bash's own
 * completion would); zsh and fish are syntax-checked when installed.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildProgram } from '../../../src/clients/cli/main.js';
import { completionTree } from '../../../src/clients/cli/completion.js';
import { cleanupAll, runCli, tempDir } from '../../helpers/daemon.js';

afterEach(cleanupAll);

const has = (shell: string) => spawnSync(shell, ['-c', 'true']).status === 0;

describe('completion tree', () => {
  it('has every command of the program, its options, and which take a value', () => {
    const tree = completionTree(buildProgram());
    const paths = tree.map((n) => n.path);
    expect(paths).toEqual(expect.arrayContaining(['', 'memory', 'memory list', 'audit tail']));
    const list = tree.find((n) => n.path === 'memory list')!;
    expect(list.options).toContainEqual(
      expect.objectContaining({ flags: ['-l', '--limit'], takesValue: true }),
    );
    const root = tree.find((n) => n.path === '')!;
    expect(root.options).toContainEqual(
      expect.objectContaining({ flags: ['--json'], takesValue: false }),
    );
    expect(tree.find((n) => n.path === 'completion')!.subcommands.map((s) => s.name)).toEqual([
      'bash',
      'zsh',
      'fish',
    ]);
  });
});

describe('aistack completion bash', () => {
  let script: string;
  let dir: string;
  // Its own directory: cleanupAll runs after each test, and the script serves them all.
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'aistack-completion-'));
    const r = await runCli(['completion', 'bash'], { HOME: dir });
    expect(r.code).toBe(0);
    script = join(dir, 'aistack.bash');
    writeFileSync(script, r.stdout);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** What bash's completion of `words` (the last one being completed) offers. */
  const complete = (...words: string[]): string[] => {
    const quoted = words.map((w) => `'${w.replaceAll("'", `'\\''`)}'`).join(' ');
    const out = execFileSync(
      'bash',
      [
        '--norc',
        '-c',
        `source "$1"; COMP_WORDS=(${quoted}); COMP_CWORD=${words.length - 1}; _aistack; printf '%s\\n' "\${COMPREPLY[@]}"`,
        'bash',
        script,
      ],
      { encoding: 'utf8' },
    );
    return out.split('\n').filter(Boolean);
  };

  it('passes bash -n', () => {
    expect(spawnSync('bash', ['-n', script]).status).toBe(0);
  });

  it('completes aistack mem<TAB> to memory', () => {
    expect(complete('aistack', 'mem')).toEqual(['memory']);
  });

  it('completes subcommands, past global options and their values', () => {
    expect(complete('aistack', 'memory', 'li')).toEqual(['list', 'link']);
    expect(complete('aistack', '--socket', '/tmp/s', 'memory', 'se')).toEqual(['search']);
    expect(complete('aistack', 'd')).toEqual(['daemon', 'dashboard', 'doctor']);
    expect(complete('aistack', 'completion', '')).toEqual(['bash', 'zsh', 'fish']);
  });

  it("completes a command's options, with the global ones, --help once", () => {
    const offered = complete('aistack', 'memory', 'list', '--');
    expect(offered).toEqual(expect.arrayContaining(['--limit', '--namespace', '--json']));
    expect(offered.filter((o) => o === '--help')).toHaveLength(1);
    expect(offered).not.toContain('--version');
    // -n takes a value, so `x` is that value and `audit tail` is still the command.
    expect(complete('aistack', 'audit', 'tail', '-n', '5', '--f')).toEqual(['--follow']);
  });

  it('offers no subcommand as the value of an option that takes one', () => {
    expect(complete('aistack', 'memory', 'list', '--namespace', 'li')).not.toContain('list');
  });

  it('refuses an unknown shell as a usage error', async () => {
    const r = await runCli(['completion', 'tcsh'], { HOME: tempDir() });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/Allowed choices are bash, zsh, fish/);
  });
});

describe.each([
  ['zsh', ['-n']],
  ['fish', ['--no-execute']],
])('aistack completion %s', (shell, check) => {
  it('is generated from the tree and passes the shell syntax check when the shell exists', async () => {
    const dir = tempDir();
    const r = await runCli(['completion', shell], { HOME: dir });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/memory/);
    expect(r.stdout).toMatch(/audit tail/);
    const file = join(dir, `aistack.${shell}`);
    writeFileSync(file, r.stdout);
    if (!has(shell)) {
      console.warn(`${shell} is not installed: its completion script was not syntax-checked`);
      return;
    }
    const res = spawnSync(shell, [...check, file], { encoding: 'utf8' });
    expect(res.stderr).toBe('');
    expect(res.status).toBe(0);
  });
});
