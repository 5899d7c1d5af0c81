import Database from 'better-sqlite3';
import { chmodSync, chownSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  cleanupAll,
  letUnprivilegedReachRepo,
  runCli,
  spawnDaemon,
  tempDir,
  UNPRIVILEGED,
} from '../helpers/daemon.js';
import { writeFixtures } from '../helpers/plugins.js';
import { nodeEolCheck } from '../../src/services/system/doctor-deps.js';

afterEach(cleanupAll);
let restoreModes: () => void = () => {};
beforeAll(() => {
  restoreModes = letUnprivilegedReachRepo();
});
afterAll(() => restoreModes());

interface Check {
  id: string;
  verdict: 'PASS' | 'WARN' | 'FAIL';
  detail: string;
  fix?: string;
}

/** A private temp dir the unprivileged test user owns. */
function ownedDir(): string {
  const dir = tempDir();
  if (UNPRIVILEGED.uid !== undefined) chownSync(dir, UNPRIVILEGED.uid, UNPRIVILEGED.gid!);
  return dir;
}

function chownTree(path: string): void {
  if (UNPRIVILEGED.uid === undefined) return;
  chownSync(path, UNPRIVILEGED.uid, UNPRIVILEGED.gid!);
  for (const e of readdirSync(path, { recursive: true, withFileTypes: true })) {
    chownSync(join(e.parentPath, e.name), UNPRIVILEGED.uid, UNPRIVILEGED.gid!);
  }
}

function writeOwned(path: string, text: string, mode: number): void {
  writeFileSync(path, text);
  chmodSync(path, mode);
  if (UNPRIVILEGED.uid !== undefined) chownSync(path, UNPRIVILEGED.uid, UNPRIVILEGED.gid!);
}

async function setup(config: unknown, env: NodeJS.ProcessEnv = {}) {
  const dir = ownedDir();
  const configPath = join(dir, 'aistack.config.json');
  writeOwned(configPath, JSON.stringify(config), 0o600);
  const daemon = await spawnDaemon(
    dir,
    ['--config', configPath],
    { HOME: dir, ...env },
    UNPRIVILEGED,
  );
  const cliEnv = {
    AISTACK_SOCKET: daemon.socketPath,
    AISTACK_DATA_DIR: daemon.dataDir,
    AISTACK_CONFIG: configPath,
    HOME: dir,
    ...env,
  };
  const doctor = async () => {
    const r = await runCli(['doctor', '--json'], cliEnv, undefined, UNPRIVILEGED);
    const report = JSON.parse(r.stdout) as {
      ok: boolean;
      summary: Record<'pass' | 'warn' | 'fail' | 'skip', number>;
      skipped: string[];
      checks: Check[];
    };
    return {
      code: r.code,
      report,
      verdicts: Object.fromEntries(report.checks.map((c) => [c.id, c.verdict])),
    };
  };
  const backup = async () => {
    const r = await runCli(['backup'], cliEnv, undefined, UNPRIVILEGED);
    expect(r.code, r.stderr).toBe(0);
  };
  return { dir, configPath, daemon, doctor, backup, cliEnv };
}

// Node's own end of life is judged by the daemon's clock, here the real one.
const NODE_EOL = nodeEolCheck(process.versions.node, Date.now()).status;

const ALL_PASS = {
  daemon: 'PASS',
  node: 'PASS',
  'config-keys': 'PASS',
  'config-mode': 'PASS',
  transport: 'PASS',
  'data-files': 'PASS',
  socket: 'PASS',
  features: 'PASS',
  'key-age': 'PASS',
  backup: 'PASS',
  audit: 'PASS',
  root: 'PASS',
  wal: 'PASS',
  plugins: 'PASS',
  anomalies: 'PASS',
  'node-eol': NODE_EOL,
  sqlite: 'PASS',
  'native-module': 'PASS',
  'backup-mode': 'PASS',
  'backup-verify': 'PASS',
  'backup-sessions': 'PASS',
};
const PASSING = Object.values(ALL_PASS).filter((v) => v === 'PASS').length;

describe('aistack doctor', () => {
  it('is all PASS on a correct setup, and exits 0', async () => {
    const s = await setup(
      { providers: { openai: { apiKey: '${OPENAI_API_KEY}' } } },
      { OPENAI_API_KEY: 'sk-proj-' + 'k'.repeat(40) },
    );
    await s.backup();
    const { code, verdicts } = await s.doctor();
    expect(verdicts).toEqual(ALL_PASS);
    expect(code).toBe(0);
    const human = await runCli(['doctor'], s.cliEnv, undefined, UNPRIVILEGED);
    expect(human.stdout).toMatch(/^PASS {2}daemon/m);
    expect(human.stdout).toContain(`${PASSING} pass, ${NODE_EOL === 'WARN' ? 1 : 0} warn, 0 fail`);
  });

  it('a 0644 config with a literal key fails the config checks only', async () => {
    const s = await setup({});
    await s.backup();
    writeOwned(
      s.configPath,
      JSON.stringify({ providers: { anthropic: { apiKey: 'sk-ant-api03-' + 'L'.repeat(40) } } }),
      0o644,
    );
    const { code, verdicts, report } = await s.doctor();
    expect(verdicts).toEqual({ ...ALL_PASS, 'config-keys': 'FAIL', 'config-mode': 'WARN' });
    expect(code).toBe(1);
    expect(JSON.stringify(report)).not.toContain('L'.repeat(40));
  });

  it('a 0644 database fails the data-files check only', async () => {
    const s = await setup({});
    await s.backup();
    chmodSync(join(s.daemon.dataDir, 'aistack.db'), 0o644);
    const { verdicts } = await s.doctor();
    expect(verdicts).toEqual({ ...ALL_PASS, 'data-files': 'FAIL' });
  });

  it('a key older than the rotation period warns on key-age only', async () => {
    const key = 'sk-proj-' + 'Q'.repeat(40);
    const s = await setup(
      { providers: { openai: { apiKey: '${OPENAI_API_KEY}' } } },
      { OPENAI_API_KEY: key },
    );
    await s.backup();
    const db = new Database(join(s.daemon.dataDir, 'aistack.db'));
    db.prepare('UPDATE provider_keys SET first_seen_at = ?').run(Date.now() - 120 * 86_400_000);
    db.close();
    await runCli(['jobs', 'run', 'keys.reminder'], s.cliEnv, undefined, UNPRIVILEGED);
    const { verdicts, report } = await s.doctor();
    expect(verdicts).toEqual({ ...ALL_PASS, 'key-age': 'WARN' });
    expect(report.checks.find((c) => c.id === 'key-age')!.detail).toMatch(
      /openai key is 120 days old/,
    );
  });

  it('plugins enabled with an unapproved plugin warn on the plugins check only', async () => {
    const pluginsDir = join(ownedDir(), 'plugins');
    writeFixtures(pluginsDir, ['good']);
    chownTree(pluginsDir);
    const s = await setup({ plugins: { enabled: true, reason: 'testing', dir: pluginsDir } });
    await s.backup();
    const { verdicts, report } = await s.doctor();
    expect(verdicts).toEqual({ ...ALL_PASS, plugins: 'WARN' });
    expect(report.checks.find((c) => c.id === 'plugins')!.detail).toMatch(/good: refused/);
  });

  it('an enabled feature without a reason warns', async () => {
    const s = await setup({ github: { enabled: true } });
    await s.backup();
    expect((await s.doctor()).verdicts).toEqual({ ...ALL_PASS, features: 'WARN' });
  });

  it('no backup newer than the configured age warns', async () => {
    const s = await setup({ security: { maxBackupAgeDays: 1 } });
    expect((await s.doctor()).verdicts).toEqual({ ...ALL_PASS, backup: 'WARN' });
    await s.backup();
    expect((await s.doctor()).verdicts.backup).toBe('PASS');
  });

  it('--json is one document with a summary; every WARN and FAIL names its fix', async () => {
    const s = await setup({ security: { maxBackupAgeDays: 1 } });
    const { code, report } = await s.doctor();
    expect(code).toBe(0);
    const count = (v: string) => report.checks.filter((c) => c.verdict === v).length;
    expect(report.summary).toEqual({
      pass: count('PASS'),
      warn: count('WARN'),
      fail: 0,
      skip: 0,
    });
    expect(report.skipped).toEqual([]);
    for (const c of report.checks.filter((c) => c.verdict === 'WARN' || c.verdict === 'FAIL'))
      expect(c.fix, c.id).toMatch(/\w{3}/);
  });

  it('with the daemon down, says which checks were skipped and still runs the local ones', async () => {
    const s = await setup({});
    await s.backup();
    await runCli(['daemon', 'stop'], s.cliEnv, undefined, UNPRIVILEGED);
    await s.daemon.exited;
    const r = await runCli(['doctor', '--json'], s.cliEnv, undefined, UNPRIVILEGED);
    expect(r.code).toBe(1); // the daemon being down is itself a FAIL
    const report = JSON.parse(r.stdout) as { skipped: string[]; checks: Check[] };
    expect(report.skipped).toEqual(
      expect.arrayContaining([
        'anomalies',
        'node-eol',
        'sqlite',
        'backup-verify',
        'backup-sessions',
      ]),
    );
    // The backup's age is checked locally when the daemon cannot, once.
    expect(report.checks.filter((c) => c.id === 'backup').map((c) => c.verdict)).toEqual(['PASS']);
    expect(report.skipped).not.toContain('backup');
    // Every check appears once.
    const ids = report.checks.map((c) => c.id);
    expect(new Set(ids).size).toBe(ids.length);
    const human = await runCli(['doctor'], s.cliEnv, undefined, UNPRIVILEGED);
    expect(human.stdout).toMatch(/skipped because the daemon is not running: .*anomalies/);
  });
});
