/**
 * `aistack memory store --ttl`, `memory list --since/--created-after/--sort`,
 * `memory changes` and `memory delete-many` against a real daemon, each through a
 * one-off session into "default" when no session is exported; bad times and durations
 * are usage errors before anything reaches the daemon.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { cleanupAll, runCli, startDaemon } from '../helpers/daemon.js';

afterEach(cleanupAll);

/** Each CLI run is a process start: on a busy 2-core machine a few seconds each. */
const SLOW = 120_000;

describe('aistack memory: time, expiry and batches', () => {
  it(
    'explains changes and delete-many with --help, and the new options of store and list',
    async () => {
      const [changes, many, store, list] = await Promise.all(
        ['changes', 'delete-many', 'store', 'list'].map((cmd) => runCli(['memory', cmd, '--help'])),
      );
      expect(changes!.stdout).toMatch(/Usage: aistack memory changes.*--since <time>/s);
      expect(many!.stdout).toMatch(/Usage: aistack memory delete-many.*--prefix.*--dry-run/s);
      expect(store!.stdout).toMatch(/--ttl <duration>.*--expires-at <time>/s);
      expect(list!.stdout).toMatch(/--since <time>.*--created-after.*--sort <by>/s);
    },
    SLOW,
  );

  it(
    'stores with a ttl, lists by time, reports changes, deletes by prefix after a dry run',
    async () => {
      const d = await startDaemon();
      const cli = (...args: string[]) =>
        runCli(['--socket', d.socketPath, '--data-dir', d.dataDir, 'memory', ...args]);
      const stored = await cli('store', 'tmp/a', 'first', '--ttl', '1h');
      expect(stored.stderr).toBe('');
      expect(stored.stdout).toMatch(
        /^stored default\/tmp\/a \(version 1, 5 chars, expires 20\d\d-/,
      );
      expect((await cli('store', 'tmp/b', 'second')).code).toBe(0);
      expect((await cli('store', 'keep', 'third')).code).toBe(0);

      const listed = await cli(
        'list',
        '--since',
        '1h',
        '--sort',
        'created',
        '--order',
        'asc',
        '--json',
      );
      const keys = (JSON.parse(listed.stdout) as { entries: { key: string }[] }).entries.map(
        (e) => e.key,
      );
      expect(keys).toEqual(['tmp/a', 'tmp/b', 'keep']);
      const none = await cli('list', '--created-after', '2999-01-01', '--json');
      expect(JSON.parse(none.stdout)).toMatchObject({ total: 0 });

      const dry = await cli('delete-many', '--prefix', 'tmp/', '--dry-run');
      expect(dry.stdout).toBe(
        'would delete default/tmp/a\nwould delete default/tmp/b\n2 would be deleted\n',
      );
      const done = await cli('delete-many', '--prefix', 'tmp/');
      expect(done.stdout).toBe('deleted default/tmp/a\ndeleted default/tmp/b\n2 deleted\n');

      const changes = await cli('changes', '--since', '1h', '--json');
      const seen = JSON.parse(changes.stdout) as { changes: { kind: string; key: string }[] };
      expect(seen.changes.map((c) => [c.kind, c.key])).toEqual([
        ['created', 'keep'],
        ['deleted', 'tmp/a'],
        ['deleted', 'tmp/b'],
      ]);
      const human = await cli('changes', '--since', '1h');
      expect(human.stdout).toMatch(/deleted\s+default\s+tmp\/b/);
      expect(human.stdout).toMatch(/3 change\(s\); next time use --since 20/);

      const badTtl = await cli('store', 'x', 'y', '--ttl', 'soon');
      expect(badTtl.code).toBe(2);
      expect(badTtl.stderr).toMatch(/--ttl.*expected a duration/);
      const badSince = await cli('changes', '--since', 'last tuesday');
      expect(badSince.code).toBe(2);
      const both = await cli('delete-many', 'a', '--prefix', 'b');
      expect(both.code).not.toBe(0);
      expect(both.stderr).toMatch(/either keys or --prefix/);
    },
    SLOW,
  );
});
