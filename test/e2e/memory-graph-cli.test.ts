/**
 * `aistack memory link|unlink|related|history|restore-version|append` against a real
 * daemon: each with --help, each through a one-off session into "default" when no
 * session is exported, with clear errors.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { cleanupAll, runCli, startDaemon } from '../helpers/daemon.js';

afterEach(cleanupAll);

/** Each CLI run is a process start: on a busy 2-core machine a few seconds each. */
const SLOW = 90_000;

async function daemonCli() {
  const d = await startDaemon();
  const cli = (args: string[], input?: string) =>
    runCli(['--socket', d.socketPath, '--data-dir', d.dataDir, 'memory', ...args], {}, input);
  return { d, cli };
}

describe('aistack memory link, related, history, restore-version, append', () => {
  it(
    'explains each command with --help',
    async () => {
      const helps = await Promise.all(
        ['link', 'unlink', 'related', 'history', 'restore-version', 'append'].map(async (cmd) => ({
          cmd,
          help: await runCli(['memory', cmd, '--help']),
        })),
      );
      for (const { cmd, help } of helps) {
        expect(help.code, cmd).toBe(0);
        expect(help.stdout, cmd).toMatch(new RegExp(`Usage: aistack memory ${cmd}`));
      }
    },
    SLOW,
  );

  it(
    'links, walks and unlinks from the command line',
    async () => {
      const { d, cli } = await daemonCli();
      expect((await cli(['store', 'a', 'first a'])).code).toBe(0);
      expect((await cli(['store', 'b', 'the b entry'])).code).toBe(0);
      const linked = await cli(['link', 'a', 'b', '-t', 'cites', '-m', '{"why":"test"}']);
      expect(linked.stderr).toBe('');
      expect(linked.stdout).toBe('linked default/a -[cites]-> default/b\n');
      const missing = await cli(['link', 'a', 'nope', '-t', 'cites']);
      expect(missing.code).not.toBe(0);
      expect(missing.stderr).toContain('no entry with key "nope" in namespace default');

      const related = await cli(['related', 'a', '-n', 'default', '--depth', '2']);
      expect(related.code, related.stderr).toBe(0);
      expect(related.stdout).toContain('the b entry');
      expect(related.stdout).toContain('default/a -[cites]-> default/b');
      const json = JSON.parse(
        (
          await runCli([
            '--socket',
            d.socketPath,
            '--data-dir',
            d.dataDir,
            '--json',
            'memory',
            'related',
            'a',
            '-n',
            'default',
          ])
        ).stdout,
      );
      expect(json.edges[0]).toMatchObject({ type: 'cites', metadata: { why: 'test' } });
      const unlinked = await cli(['unlink', 'a', 'b']);
      expect(unlinked.stdout).toBe('removed 1 link\n');
    },
    SLOW,
  );

  it(
    'appends, lists history and restores a version from the command line',
    async () => {
      const { cli } = await daemonCli();
      expect((await cli(['store', 'a', 'first a'])).code).toBe(0);

      const appended = await cli(['append', 'a', '-'], 'second line');
      expect(appended.stdout).toBe('appended to default/a (version 2, 19 chars)\n');
      expect((await cli(['get', 'a', '-n', 'default'])).stdout).toBe('first a\nsecond line\n');
      const history = await cli(['history', 'a', '-n', 'default']);
      expect(history.stdout).toMatch(/^default\/a: current version 2\n/);
      expect(history.stdout).toContain('first a');
      expect((await cli(['history', 'a', '1', '-n', 'default'])).stdout).toBe('first a\n');
      const restored = await cli(['restore-version', 'a', '1']);
      expect(restored.stdout).toBe('restored default/a version 1 as version 3\n');
      const gone = await cli(['restore-version', 'a', '9']);
      expect(gone.code).not.toBe(0);
      expect(gone.stderr).toContain(
        'version 9 of "a" in namespace default is not kept (kept: 1, 2; current: 3)',
      );
    },
    SLOW,
  );
});
