/**
 * An import with many bad lines says what is wrong without flooding the terminal: the
 * first 20 rejected lines and a count of the rest, every one with --verbose (and always
 * every one in --json); the good lines still go in.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { cleanupAll, runCli, startDaemon } from '../helpers/daemon.js';

afterEach(cleanupAll);

describe('memory import with 30,000 bad lines', () => {
  it('prints 20 of them and "… and 29,980 more", all with --verbose, and imports the rest', async () => {
    const d = await startDaemon();
    const env = { HOME: d.dir, AISTACK_SOCKET: d.socketPath, AISTACK_DATA_DIR: d.dataDir };
    const at = new Date().toISOString();
    const good = (k: string) =>
      JSON.stringify({
        id: `id-${k}`,
        key: k,
        namespace: 'imp',
        content: `text ${k}`,
        metadata: {},
        tags: [],
        agentId: null,
        sessionId: null,
        createdAt: at,
        updatedAt: at,
        version: 1,
      });
    const lines = [good('first')];
    for (let i = 0; i < 30_000; i++)
      lines.push(i % 2 ? `{broken ${i}` : JSON.stringify({ key: i }));
    lines.push(good('last'));
    const file = join(d.dir, 'bad.jsonl');
    writeFileSync(file, lines.join('\n') + '\n');

    const r = await runCli(['memory', 'import', file], env);
    expect(r.code).toBe(1);
    const err = r.stderr.trimEnd().split('\n');
    expect(err.filter((l) => /^line \d+: rejected: /.test(l))).toHaveLength(20);
    expect(err[0]).toMatch(/^line 2: rejected: /);
    expect(err[20]).toBe('… and 29,980 more (--verbose for all)');
    expect(err).toHaveLength(21);
    expect(r.stdout).toMatch(/imported: 2 inserted, 0 updated, 30000 rejected/);

    const all = await runCli(['memory', 'import', '--verbose', file], env);
    const listed = all.stderr.trimEnd().split('\n');
    expect(listed.filter((l) => /^line \d+: rejected: /.test(l))).toHaveLength(30_000);
    expect(listed.at(-1)).toMatch(/^line 30001: rejected: /);
    expect(all.stderr).not.toMatch(/more \(--verbose/);
    expect(all.stdout).toMatch(/imported: 0 inserted, 2 updated, 30000 rejected/);

    const json = await runCli(['--json', 'memory', 'import', file], env);
    expect(JSON.parse(json.stdout).rejected).toHaveLength(30_000);
  });
});
