/**
 * Files written at paths the user chose. `aistack memory export -o FILE` against a
 * hostile or careless target (a symlink, a file others may read) and the ordinary case:
 * the file is only ever the export, mode 0600, put in place whole. The daemon's log
 * file, which is appended to, only in a directory nobody else may write to.
 */
import {
  chmodSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  cleanupAll,
  connectTo,
  runCli,
  spawnDaemon,
  startDaemon,
  tempDir,
  writeConfig,
  type TestDaemon,
} from '../helpers/daemon.js';

afterEach(cleanupAll);

const mode = (p: string) => statSync(p).mode & 0o777;

async function daemonWithEntry(): Promise<TestDaemon> {
  const d = await startDaemon();
  const c = await d.client();
  const { session } = await c.call('session.start', {});
  await c.call('memory.store', {
    key: 'k',
    namespace: 'notes',
    content: 'exported text',
    sessionId: session.id,
    sessionToken: session.token,
  });
  return d;
}

const exportTo = (d: TestDaemon, out: string) =>
  runCli(['memory', 'export', '-o', out, '--socket', d.socketPath, '--data-dir', d.dataDir], {
    HOME: d.dir,
  });

describe('aistack memory export -o', () => {
  it('refuses a symlink at the target and leaves the file it points to untouched', async () => {
    const d = await daemonWithEntry();
    const dir = tempDir();
    const victim = join(dir, 'victim.txt');
    writeFileSync(victim, 'precious\n');
    chmodSync(victim, 0o644);
    const link = join(dir, 'export.jsonl');
    symlinkSync(victim, link);
    const r = await exportTo(d, link);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`refusing to write export file ${link}: it is a symbolic link`);
    expect(r.stderr).toContain('nothing was written through it');
    expect(readFileSync(victim, 'utf8')).toBe('precious\n');
    expect(mode(victim)).toBe(0o644);
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(readdirSync(dir).sort()).toEqual(['export.jsonl', 'victim.txt']);
  });

  it('refuses to replace a file others may read, saying how to fix it, and keeps it as it was', async () => {
    const d = await daemonWithEntry();
    const dir = tempDir();
    const out = join(dir, 'export.jsonl');
    writeFileSync(out, 'old content\n');
    chmodSync(out, 0o666);
    const r = await exportTo(d, out);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      `refusing to write export file ${out}: it exists with mode 0666, looser than the 0600 it would get; run chmod 600 ${out}`,
    );
    expect(readFileSync(out, 'utf8')).toBe('old content\n');
    expect(mode(out)).toBe(0o666);
    expect(readdirSync(dir)).toEqual(['export.jsonl']);
    // Once fixed as the message says, the export goes through.
    chmodSync(out, 0o600);
    const again = await exportTo(d, out);
    expect(again.code, again.stderr).toBe(0);
    expect(readFileSync(out, 'utf8')).toContain('exported text');
  });

  it('writes a new file 0600 even in a directory anyone may write to, and replaces a private one whole', async () => {
    const d = await daemonWithEntry();
    const dir = tempDir();
    chmodSync(dir, 0o777); // even where others could create files, the export is 0600
    const fresh = join(dir, 'fresh.jsonl');
    const r = await exportTo(d, fresh);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`exported 1 entry to ${fresh}`);
    expect(mode(fresh)).toBe(0o600);
    expect(JSON.parse(readFileSync(fresh, 'utf8'))).toMatchObject({
      key: 'k',
      namespace: 'notes',
      content: 'exported text',
    });
    const old = join(dir, 'old.jsonl');
    writeFileSync(old, 'x'.repeat(10_000));
    chmodSync(old, 0o600);
    const before = statSync(old).ino;
    expect((await exportTo(d, old)).code).toBe(0);
    expect(readFileSync(old, 'utf8')).toBe(readFileSync(fresh, 'utf8'));
    expect(mode(old)).toBe(0o600);
    expect(statSync(old).ino).not.toBe(before); // a new file renamed into place
    expect(readdirSync(dir).sort()).toEqual(['fresh.jsonl', 'old.jsonl']); // no temp file left
  });
});

describe('the daemon log file (logging.file)', () => {
  it('is refused in a directory others may write to, and written 0600 in a private one', async () => {
    const dir = tempDir();
    const shared = join(dir, 'shared');
    mkdirSync(shared, { mode: 0o777 });
    chmodSync(shared, 0o1777);
    const config = writeConfig(dir, { logging: { file: join(shared, 'aistackd.log') } });
    await expect(spawnDaemon(dir, ['--config', config])).rejects.toThrow(
      `refusing to write the log file in ${shared}: mode 0777 lets others create files there`,
    );
    expect(readdirSync(shared)).toEqual([]);

    const logs = join(dir, 'logs');
    writeConfig(dir, { logging: { file: join(logs, 'aistackd.log') } });
    const d = await spawnDaemon(dir, ['--config', config]);
    const c = await connectTo(d);
    await c.call('system.ping');
    c.close();
    expect(mode(logs)).toBe(0o700);
    const files = readdirSync(logs);
    expect(files.length).toBeGreaterThan(0);
    for (const f of files) expect(mode(join(logs, f))).toBe(0o600);
  });
});

describe('backup files at a chosen path', () => {
  it('a forced backup never writes through a symlink, over a looser file, or into a shared dir', async () => {
    const d = await startDaemon();
    const c = await d.client();
    const precious = join(d.dir, 'precious.txt');
    writeFileSync(precious, 'do not touch', { mode: 0o600 });
    const link = join(d.dir, 'backup.db');
    symlinkSync(precious, link);
    const viaLink = await c
      .call('backup.create', { out: link, force: true })
      .catch((e: Error) => e);
    expect(String(viaLink)).toMatch(/symbolic link/);
    expect(readFileSync(precious, 'utf8')).toBe('do not touch');
    expect(lstatSync(link).isSymbolicLink()).toBe(true);

    const loose = join(d.dir, 'loose.db');
    writeFileSync(loose, 'old', { mode: 0o644 });
    chmodSync(loose, 0o644);
    const overLoose = await c
      .call('backup.create', { out: loose, force: true })
      .catch((e: Error) => e);
    expect(String(overLoose)).toMatch(/looser than the 0600/);

    const shared = join(d.dir, 'shared');
    mkdirSync(shared, { mode: 0o777 });
    chmodSync(shared, 0o777);
    const inShared = await c
      .call('backup.create', { out: join(shared, 'b.db') })
      .catch((e: Error) => e);
    expect(String(inShared)).toMatch(/lets others create files there/);
    expect(readdirSync(shared)).toEqual([]);

    const ok = await c.call('backup.create', { out: join(d.dir, 'fine.db') });
    expect(mode(ok.path)).toBe(0o600);
  });
});
