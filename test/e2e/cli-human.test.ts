/**
 * Tables for people, JSON for scripts: `daemon status` and lists print units, relative
 * times and words ("1 entry"), while `--json` keeps the raw values the daemon sent.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { cleanupAll, runCli, startDaemon } from '../helpers/daemon.js';

afterEach(cleanupAll);

describe('human output', () => {
  it('daemon status: KiB/MiB, uptime, "ago", one requests line; --json raw', async () => {
    const d = await startDaemon();
    const env = { HOME: d.dir, AISTACK_SOCKET: d.socketPath, AISTACK_DATA_DIR: d.dataDir };
    const human = await runCli(['daemon', 'status'], env);
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/^running: +yes$/m);
    expect(human.stdout).toMatch(/^ {2}size: +\d+\.\d (KiB|MiB)$/m);
    expect(human.stdout).toMatch(/^memory: +\d+\.\d MiB resident$/m);
    expect(human.stdout).toMatch(
      /^uptime: +(\d+ (s|min|h|d) ?)+ \(since \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC\)$/m,
    );
    expect(human.stdout).toMatch(/^requests: +\d+ requests?, \d+ errors?$/m);
    expect(human.stdout).not.toMatch(/requests:\s+requests:/);
    expect(human.stdout).not.toMatch(/Bytes|Seconds/);

    const json = JSON.parse((await runCli(['daemon', 'status', '--json'], env)).stdout);
    expect(json.database.sizeBytes).toEqual(expect.any(Number));
    expect(json.uptimeSeconds).toEqual(expect.any(Number));
    expect(json.requests.total).toEqual({
      requests: expect.any(Number),
      errors: expect.any(Number),
    });
  });

  it('lists say "1 entry" / "2 entries" and show times as "ago"', async () => {
    const d = await startDaemon();
    const env = { HOME: d.dir, AISTACK_SOCKET: d.socketPath, AISTACK_DATA_DIR: d.dataDir };
    expect((await runCli(['memory', 'store', 'k1', 'hello', '-n', 'demo'], env)).code).toBe(0);
    const list = await runCli(['memory', 'list', '-n', 'demo'], env);
    expect(list.stdout).toMatch(/demo +k1 +1 +(just now|\d+ s ago)/);
    const json = JSON.parse((await runCli(['--json', 'memory', 'list', '-n', 'demo'], env)).stdout);
    expect(json.entries[0].updatedAt).toMatch(/^\d{4}-\d\d-\d\dT/);

    const out = `${d.dir}/one.jsonl`;
    const one = await runCli(['memory', 'export', '-n', 'demo', '-o', out], env);
    expect(one.stderr).toMatch(/exported 1 entry to /);
    await runCli(['memory', 'store', 'k2', 'there', '-n', 'demo'], env);
    const two = await runCli(['memory', 'export', '-n', 'demo', '-o', `${d.dir}/two.jsonl`], env);
    expect(two.stderr).toMatch(/exported 2 entries to /);
  });
});
