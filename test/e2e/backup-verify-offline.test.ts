/**
 * `aistack backup verify FILE` with no daemon running: the CLI checks the file itself,
 * with the daemon's own code, and answers exactly as the daemon would; it never starts
 * a daemon to do so. And `doctor` with the daemon down: SKIP for what needs the daemon,
 * the local checks still run, nothing claims to know what it cannot.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { cleanupAll, runCli, startDaemon, tempDir, cliEnv } from '../helpers/daemon.js';
import { storeIn, tamper } from '../helpers/backup-files.js';
import { openSession } from '../helpers/session.js';

afterEach(cleanupAll);

describe('backup verify without a daemon', () => {
  it('verifies in process, the same answer as the daemon, and starts nothing', async () => {
    const d = await startDaemon();
    const c = await d.client();
    await storeIn(c, await openSession(c), 'k', 'shared');
    const file = join(d.dir, 'b.db');
    await c.call('backup.create', { out: file, force: false, includeSessions: false });
    const env = { HOME: d.dir, AISTACK_SOCKET: d.socketPath, AISTACK_DATA_DIR: d.dataDir };
    const byDaemon = JSON.parse((await runCli(['--json', 'backup', 'verify', file], env)).stdout);
    await d.stop();

    const offline = await runCli(['--json', 'backup', 'verify', file], env);
    expect(offline.code).toBe(0);
    expect(JSON.parse(offline.stdout)).toEqual(byDaemon);
    expect(byDaemon).toMatchObject({ ok: true, integrity: 'ok' });
    expect(existsSync(d.socketPath)).toBe(false); // no daemon was started for it

    const human = await runCli(['backup', 'verify', file], env);
    expect(human.stdout).toMatch(/b\.db: OK \(\d+\.\d KiB, integrity ok, schema versions /);
    expect(human.stdout).toMatch(/^memory_entries +1$/m);

    tamper(file, 'DROP TABLE sessions');
    const broken = await runCli(['backup', 'verify', file], env);
    expect(broken.code).toBe(1);
    expect(broken.stdout).toMatch(/FAILED.*\n {2}problem: missing table\(s\): sessions/);

    const missing = await runCli(['backup', 'verify', join(d.dir, 'nope.db')], env);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/backup file .*nope\.db not found/);
    expect(existsSync(d.socketPath)).toBe(false);
  });
});

describe('doctor with the daemon down', () => {
  it('says SKIP for what needs the daemon and still runs the local checks', async () => {
    const dir = tempDir();
    const r = await runCli(['--json', 'doctor'], cliEnv(dir));
    expect(r.code).toBe(1); // no daemon is itself a finding
    const report = JSON.parse(r.stdout) as {
      checks: { id: string; verdict: string; detail: string }[];
    };
    const verdict = Object.fromEntries(report.checks.map((c) => [c.id, c.verdict]));
    expect(verdict).toMatchObject({
      daemon: 'FAIL',
      node: 'PASS',
      'config-keys': 'PASS',
      features: 'PASS',
      plugins: 'SKIP',
      'key-age': 'SKIP',
      audit: 'SKIP',
      root: 'SKIP',
      wal: 'SKIP',
      socket: 'SKIP',
    });
    expect(verdict.backup).toBe('WARN');
    for (const c of report.checks) expect(c.detail).not.toMatch(/unknown/);
    expect(existsSync(join(dir, 'run', 'aistack.sock'))).toBe(false);

    const human = await runCli(['doctor'], cliEnv(dir));
    expect(human.stdout).toMatch(/^SKIP {2}root +daemon not running$/m);
    expect(human.stdout).not.toMatch(/PASS +root/);
    // 6 local checks and the daemon's 7 besides the backup's age, which is checked here.
    expect(human.stdout).toMatch(/\d+ pass, \d+ warn, \d+ fail, 13 skipped \(daemon not running\)/);
    expect(human.stdout).toMatch(
      /^skipped because the daemon is not running: .*anomalies, node-eol, sqlite, native-module, backup-mode, backup-verify, backup-sessions/m,
    );
  });
});
