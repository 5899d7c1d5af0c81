import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { cleanupAll, runCli, startDaemon, tempDir } from '../helpers/daemon.js';
import { auditRecords } from '../helpers/audit.js';

afterEach(cleanupAll);

const env = (socket: string, extra: NodeJS.ProcessEnv = {}) => ({
  AISTACK_SOCKET: socket,
  HOME: tempDir(),
  ...extra,
});

describe('aistack memory and session commands', () => {
  it('stores from an argument, a file and stdin; a one-off store lands in "default" and is audited', async () => {
    const d = await startDaemon();
    const e = env(d.socketPath);
    const fromArg = await runCli(
      ['memory', 'store', 'greeting', 'hello from the cli', '-t', 'a,b'],
      e,
    );
    expect(fromArg.code, fromArg.stderr).toBe(0);
    expect(fromArg.stdout).toMatch(/stored default\/greeting \(version 1/);
    const file = join(tempDir(), 'note.txt');
    writeFileSync(file, 'content from a file\n');
    expect((await runCli(['memory', 'store', 'f', '--file', file, '-n', 'notes'], e)).code).toBe(0);
    expect(
      (await runCli(['memory', 'store', 's', '-n', 'notes'], e, 'piped through stdin')).code,
    ).toBe(0);
    expect((await runCli(['memory', 'get', 's', '-n', 'notes'], e)).stdout).toBe(
      'piped through stdin\n',
    );
    expect((await runCli(['memory', 'get', 'f', '-n', 'notes'], e)).stdout).toBe(
      'content from a file\n',
    );
    const search = await runCli(['--json', 'memory', 'search', 'hello'], e);
    expect(JSON.parse(search.stdout).results[0].entry).toMatchObject({
      key: 'greeting',
      namespace: 'default',
      tags: ['a', 'b'],
    });
    const table = await runCli(['memory', 'list'], e);
    expect(table.stdout).toMatch(/NAMESPACE\s+KEY/);
    expect(table.stdout).toMatch(/3 of 3/);
    const writers = auditRecords(d).filter((r) => r.event === 'session.start');
    expect(writers.length).toBeGreaterThanOrEqual(3);
    expect(writers[0]).toMatchObject({ client: 'aistack-cli' });
    const { sessions } = await (await d.client()).call('session.list');
    expect(sessions).toEqual([]); // every one-off session was ended
    const missing = await runCli(['memory', 'get', 'nope'], e);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/no entry with key "nope" in namespace default \[NOT_FOUND\]/);
    const bad = await runCli(['memory', 'store', 'k', 'x', '-n', 'bad space'], e);
    expect(bad.stderr).toMatch(/namespace: namespace may contain only/);
  });

  it('session start prints an export line that later commands use', async () => {
    const d = await startDaemon();
    const start = await runCli(
      ['session', 'start', '--meta', '{"project":"p1"}'],
      env(d.socketPath),
    );
    const line = start.stdout.trim();
    expect(line).toMatch(/^export AISTACK_SESSION=[0-9a-f-]{36}:ast_[A-Za-z0-9_-]{43}$/);
    const value = line.slice('export AISTACK_SESSION='.length);
    const e = env(d.socketPath, { AISTACK_SESSION: value });
    await runCli(['memory', 'store', 'mine', 'session scoped text'], e);
    const got = await runCli(['--json', 'memory', 'get', 'mine'], e);
    expect(JSON.parse(got.stdout).entry.namespace).toBe(`session:${value.split(':')[0]}`);
    const anon = await runCli(['memory', 'search', 'scoped'], env(d.socketPath));
    expect(anon.stdout).toMatch(/\(none\)/);
    const status = await runCli(['--json', 'session', 'status'], e);
    expect(JSON.parse(status.stdout).session).toMatchObject({
      entries: 1,
      metadata: { project: 'p1' },
    });
    const list = await runCli(['session', 'list'], env(d.socketPath));
    expect(list.stdout).not.toContain(value.split(':')[1]);
    const end = await runCli(['session', 'end'], e);
    expect(end.stdout).toBe('unset AISTACK_SESSION\n'); // the line to eval
    expect(end.stderr).toMatch(/1 entry deleted, 0 agents stopped/);

    // A stale AISTACK_SESSION: reads go on as an anonymous caller, with one warning…
    const stale = await runCli(['memory', 'list'], e);
    expect(stale.code).toBe(0);
    expect(stale.stderr.match(/AISTACK_SESSION names a session that has ended/g)).toHaveLength(1);
    expect(stale.stderr).toContain('unset AISTACK_SESSION');
    expect(stale.stdout).not.toContain('mine'); // its entries went with it
    const gone = await runCli(['memory', 'get', 'mine'], e);
    expect(gone.code).toBe(1);
    expect(gone.stderr).toMatch(/NOT_FOUND/);
    // …and writes fail with the exact command that fixes it.
    const write = await runCli(['memory', 'store', 'k', 'text'], e);
    expect(write.code).toBe(1);
    expect(write.stderr).toMatch(/SESSION_INVALID/);
    expect(write.stderr).toContain('run `unset AISTACK_SESSION`');
  });

  it('export → import into an empty store round-trips exactly; bad lines are reported and skipped', async () => {
    const d = await startDaemon();
    const c = await d.client();
    const { session } = await c.call('session.start', {});
    const creds = { sessionId: session.id, sessionToken: session.token };
    for (let i = 0; i < 1200; i++) {
      await c.call('memory.store', {
        key: `k${i}`,
        namespace: i % 3 === 0 ? 'alpha' : 'beta',
        content: `entry number ${i} with ünïcode ✓ and 漢字`,
        tags: i % 2 ? ['odd'] : ['even', 'x'],
        metadata: { i, nested: { ok: true } },
        agentId: i % 5 === 0 ? 'agent-1' : undefined,
        ...creds,
      });
    }
    await c.call('memory.store', {
      key: 'k1',
      namespace: 'beta',
      content: 'updated once',
      ...creds,
    });
    await c.call('memory.store', { key: 'private', content: 'session only', ...creds });
    const out = join(tempDir(), 'export.jsonl');
    const exp = await runCli(['memory', 'export', '--out', out], env(d.socketPath));
    expect(exp.code, exp.stderr).toBe(0);
    const exported = readFileSync(out, 'utf8');
    expect(exported.trim().split('\n')).toHaveLength(1200);
    expect(exported).not.toContain('session only');

    const fresh = await startDaemon();
    const imp = await runCli(['memory', 'import', out], env(fresh.socketPath));
    expect(imp.stdout).toMatch(/imported: 1200 inserted, 0 updated, 0 rejected/);
    const again = join(tempDir(), 'again.jsonl');
    await runCli(['memory', 'export', '--out', again], env(fresh.socketPath));
    expect(readFileSync(again, 'utf8')).toBe(exported);
    const fc = await fresh.client();
    expect((await fc.call('memory.search', { query: '漢字', limit: 5 })).count).toBe(5);

    const broken = join(tempDir(), 'broken.jsonl');
    const lines = exported.trim().split('\n').slice(0, 3);
    writeFileSync(
      broken,
      [
        lines[0],
        '{not json',
        JSON.stringify({ ...JSON.parse(lines[1]!), key: '' }),
        lines[2],
        '',
      ].join('\n'),
    );
    const partial = await runCli(['memory', 'import', broken], env(fresh.socketPath));
    expect(partial.code).toBe(1);
    expect(partial.stderr).toMatch(/line 2: rejected: not valid JSON/);
    expect(partial.stderr).toMatch(/line 3: rejected: key:/);
    expect(partial.stdout).toMatch(/0 inserted, 2 updated, 2 rejected/);
  });
});
