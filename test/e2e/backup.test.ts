import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { RpcError, type AistackClient } from '../../src/clients/client.js';
import { auditRecords } from '../helpers/audit.js';
import { cleanupAll, runCli, startDaemon, tempDir, type TestDaemon } from '../helpers/daemon.js';
import { fileMode, namespaceContents } from '../helpers/entries.js';
import { approve, callPlugin, writeFixtures } from '../helpers/plugins.js';
import { openSession, type TestSession } from '../helpers/session.js';
import { waitFor } from '../helpers/wait.js';

afterEach(cleanupAll);

const NS = 'backed-up';
const contentOf = (key: string) => `content of ${key} `.repeat(8);
const now = () => performance.now();

interface Write {
  key: string;
  sentAt: number;
  ackedAt?: number;
}

/**
 * Clients storing keys one after another into NS until stopped; every write is timed. A
 * restore ends every session, so a writer refused with SESSION_INVALID opens a new
 * session (as the MCP shim does) and sends the same write again; each reopening is noted.
 */
function startWriters(clients: AistackClient[], sessions: TestSession[]) {
  const writes: Write[] = [];
  const errors: unknown[] = [];
  const reopened: { writer: number; at: number }[] = [];
  let stopped = false;
  const loops = clients.map(async (client, w) => {
    let session = sessions[w]!;
    for (let n = 0; !stopped; n++) {
      const write: Write = { key: `w${w}-${n}`, sentAt: now() };
      writes.push(write);
      for (;;) {
        try {
          await client.call('memory.store', {
            key: write.key,
            content: contentOf(write.key),
            namespace: NS,
            ...session.creds,
          });
          write.ackedAt = now();
          break;
        } catch (err) {
          if (err instanceof RpcError && err.code === 'SESSION_INVALID') {
            reopened.push({ writer: w, at: now() });
            session = await openSession(client);
            continue;
          }
          errors.push(err);
          return; // a failing writer stops, so `more()` below reports it instead of spinning
        }
      }
    }
  });
  const acked = () => writes.filter((w) => w.ackedAt !== undefined).length;
  return {
    writes,
    errors,
    reopened,
    /** Resolves once `count` more writes have been acknowledged. */
    async more(count: number) {
      const target = acked() + count;
      const deadline = Date.now() + 15_000;
      while (acked() < target) {
        if (errors.length > 0 || Date.now() > deadline)
          throw new Error(`writers stalled: ${String(errors[0] ?? 'no progress')}`);
        await new Promise((r) => setTimeout(r, 5));
      }
    },
    async stop() {
      stopped = true;
      await Promise.all(loops);
    },
  };
}

function keysIn(file: string): Set<string> {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    return new Set(
      db.prepare('SELECT key FROM memory_entries WHERE namespace = ?').pluck().all(NS) as string[],
    );
  } finally {
    db.close();
  }
}

async function seed(d: TestDaemon, keys: string[]): Promise<AistackClient> {
  const c = await d.client();
  const s = await openSession(c);
  for (const key of keys)
    await c.call('memory.store', { key, content: contentOf(key), namespace: NS, ...s.creds });
  return c;
}

const cli = (d: TestDaemon, args: string[]) =>
  runCli(['--socket', d.socketPath, '--no-autostart', ...args], { HOME: d.dir });

describe('backup and restore', () => {
  it('backs up while 4 clients write; restoring brings back exactly the backed-up entries and loses nothing acknowledged after the restore', async () => {
    const d = await startDaemon();
    const admin = await d.client();
    const clients = await Promise.all([1, 2, 3, 4].map(() => d.client()));
    const sessions = await Promise.all(clients.map((c) => openSession(c)));
    const writers = startWriters(clients, sessions);
    await writers.more(300);

    const backupSentAt = now();
    const backup = await admin.call('backup.create');
    const backupDoneAt = now();
    await writers.more(200);

    expect(backup.path).toBe(join(d.dataDir, 'backups', backup.path.split('/').at(-1)!));
    expect(fileMode(backup.path)).toBe(0o600);
    expect(fileMode(join(d.dataDir, 'backups'))).toBe(0o700);
    const inBackup = keysIn(backup.path);
    const ackedBefore = writers.writes.filter((w) => w.ackedAt! < backupSentAt);
    const sentAfter = writers.writes.filter((w) => w.sentAt > backupDoneAt);
    expect(ackedBefore.filter((w) => !inBackup.has(w.key))).toEqual([]);
    expect(sentAfter.filter((w) => inBackup.has(w.key))).toEqual([]);

    const verify = await admin.call('backup.verify', { file: backup.path });
    expect(verify).toMatchObject({ ok: true, integrity: 'ok', problems: [] });
    expect(verify.tables.memory_entries).toBe(inBackup.size);
    // A default backup leaves the sessions out; the writers' sessions stay in the live one.
    expect(verify.tables.sessions).toBe(0);

    // A session that exists only in the live database, not in the backup.
    const lateSession = await openSession(admin);

    const restoreSentAt = now();
    const restore = await admin.call('backup.restore', { file: backup.path });
    const restoreDoneAt = now();
    await writers.more(200);
    await writers.stop();

    // Writes that arrived during the swap waited at the gate; none failed, but each writer's
    // session ended with the restore, once, and it went on in a new one.
    expect(writers.errors).toEqual([]);
    expect(writers.reopened.map((r) => r.writer).sort()).toEqual([0, 1, 2, 3]);
    expect(writers.reopened.filter((r) => r.at < restoreSentAt)).toEqual([]);
    expect(restore).toMatchObject({
      restored: true,
      from: backup.path,
      entries: inBackup.size,
      leftOut: [],
      sessionsEnded: { fromBackup: 0, entries: 0, live: 5 },
    });
    const final = await namespaceContents(admin, NS);
    expect([...inBackup].filter((k) => !final.has(k))).toEqual([]);
    const lostAsExpected = writers.writes.filter(
      (w) => w.ackedAt! < restoreSentAt && !inBackup.has(w.key),
    );
    expect(lostAsExpected.length).toBeGreaterThan(0);
    expect(lostAsExpected.filter((w) => final.has(w.key))).toEqual([]);
    const afterRestore = writers.writes.filter((w) => w.sentAt > restoreDoneAt);
    expect(afterRestore.length).toBeGreaterThan(0);
    expect(afterRestore.filter((w) => final.get(w.key) !== contentOf(w.key))).toEqual([]);
    expect([...final].filter(([k, content]) => content !== contentOf(k))).toEqual([]);

    // The database that was replaced is kept, private, with the writes the restore undid.
    expect(restore.keptAs).toMatch(/aistack\.db\.\d{4}-\d\d-\d\dT[\d-]+Z\.bak$/);
    expect(fileMode(restore.keptAs)).toBe(0o600);
    const kept = keysIn(restore.keptAs);
    expect(lostAsExpected.filter((w) => !kept.has(w.key))).toEqual([]);

    // No session outlives a restore: the late one is refused like the writers' first ones.
    const refused = await admin
      .call('memory.store', { key: 'x', content: 'x', ...lateSession.creds })
      .catch((e: unknown) => e);
    expect((refused as RpcError).code).toBe('SESSION_INVALID');

    const events = auditRecords(d);
    expect(events.find((e) => e.event === 'backup.created')).toMatchObject({
      path: backup.path,
      bytes: backup.bytes,
    });
    expect(events.find((e) => e.event === 'backup.restored')).toMatchObject({
      from: backup.path,
      keptAs: restore.keptAs,
      entries: inBackup.size,
      sessionsEnded: { fromBackup: 0, entries: 0, live: 5 },
    });
    expect(await admin.call('audit.verify')).toMatchObject({ ok: true });
    expect(await admin.call('system.health')).toMatchObject({ ok: true });
    expect(readdirSync(d.dataDir).filter((n) => n.endsWith('.tmp'))).toEqual([]);
  });

  it('backs up, verifies and restores from the CLI, asking before it replaces anything', async () => {
    const d = await startDaemon();
    const c = await seed(d, ['one', 'two']);
    const out = join(tempDir(), 'my backup.db');
    const made = await cli(d, ['--json', 'backup', '--out', out]);
    expect(made.code).toBe(0);
    expect(JSON.parse(made.stdout)).toMatchObject({ path: out });
    expect(fileMode(out)).toBe(0o600);

    const again = await cli(d, ['backup', '--out', out]);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/already exists.*--force/);
    expect((await cli(d, ['backup', '--out', out, '--force'])).code).toBe(0);

    const verified = await cli(d, ['backup', 'verify', out]);
    expect(verified.code).toBe(0);
    expect(verified.stdout).toMatch(/OK .*integrity ok/);
    expect(verified.stdout).toMatch(/memory_entries\s+2\n/);

    await c.call('memory.store', {
      key: 'three',
      content: 'after the backup',
      namespace: NS,
      ...(await openSession(c)).creds,
    });
    const unconfirmed = await cli(d, ['restore', out]);
    expect(unconfirmed.code).toBe(2);
    expect(unconfirmed.stderr).toMatch(/without confirmation.*--yes/);
    expect([...(await namespaceContents(c, NS)).keys()].sort()).toEqual(['one', 'three', 'two']);

    const restored = await cli(d, ['restore', '--yes', out]);
    expect(restored.stderr).toBe('');
    expect(restored.code).toBe(0);
    expect(restored.stdout).toMatch(
      /restored .*: 2 memory entries; the previous database is kept as /,
    );
    expect([...(await namespaceContents(c, NS)).keys()].sort()).toEqual(['one', 'two']);
  });

  it('a restore waits for requests in flight and holds new ones until the restored database serves them', async () => {
    const d = await startDaemon();
    const c = await seed(d, ['only-in-backup']);
    const { path } = await c.call('backup.create', { out: join(tempDir(), 'b.db') });
    await c.call('memory.delete', {
      key: 'only-in-backup',
      namespace: NS,
      ...(await openSession(c)).creds,
    });
    const done: string[] = [];
    const gate = d.daemon.gate;
    // Slow enough that everything below happens while it runs, even on a busy machine.
    const slow = c.call('system.ping', { delayMs: 2000 }).then(() => done.push('slow request'));
    await waitFor(() => gate.running === 1, 'the slow request to start');
    const restore = c.call('backup.restore', { file: path }).then(() => done.push('restore'));
    // The restore has closed the gate and now waits for the slow request.
    await waitFor(() => gate.isClosed, 'the restore to close the gate');
    expect(done).toEqual([]);
    const held = c.call('memory.get', { key: 'only-in-backup', namespace: NS });
    await Promise.all([slow, restore]);
    expect(done).toEqual(['slow request', 'restore']);
    expect((await held).entry.content).toBe(contentOf('only-in-backup'));
  });

  it('after a restore, plugins run under the approvals the backup holds', async () => {
    const dir = tempDir('aistack-plugins-');
    const pluginsDir = join(dir, 'plugins');
    writeFixtures(pluginsDir, ['good']);
    const d = await startDaemon({ dir, config: { plugins: { enabled: true, dir: pluginsDir } } });
    const c = await d.client();
    await approve(c, 'good');
    const { path } = await c.call('backup.create', { out: join(tempDir(), 'b.db') });
    await c.call('plugin.revoke', { name: 'good' });
    const session = await openSession(c);
    const revoked = await callPlugin(c, 'good.greet', session.creds).catch((e: unknown) => e);
    expect((revoked as RpcError).code).toBe('METHOD_NOT_FOUND');

    await c.call('backup.restore', { file: path });
    const again = await openSession(c);
    expect(await callPlugin(c, 'good.greet', { name: 'ada', ...again.creds })).toMatchObject({
      greeting: 'hello, ada',
    });
    const { plugins } = await c.call('plugin.list', {});
    expect(plugins.find((p) => p.name === 'good')).toMatchObject({ state: 'loaded' });
  });

  it('refuses to restore a damaged or foreign file, audits it, and keeps serving the current database', async () => {
    const d = await startDaemon();
    const c = await seed(d, ['keep-me']);
    const dir = tempDir();
    const { path: good } = await c.call('backup.create', { out: join(dir, 'good.db') });

    const garbage = join(dir, 'garbage.db');
    writeFileSync(garbage, 'this is not a database '.repeat(500));
    const truncated = join(dir, 'truncated.db');
    const bytes = readFileSync(good);
    writeFileSync(truncated, bytes.subarray(0, Math.floor(bytes.length / 2)));
    const foreign = join(dir, 'foreign.db');
    const f = new Database(foreign);
    f.exec("CREATE TABLE notes (body TEXT); INSERT INTO notes VALUES ('hi')");
    f.close();
    const newer = join(dir, 'newer.db');
    writeFileSync(newer, bytes);
    const n = new Database(newer);
    n.prepare("INSERT INTO schema_migrations VALUES (999, 'from the future', 'x')").run();
    n.close();

    for (const [file, reason] of [
      [garbage, /not a readable SQLite database|failed verification/],
      [truncated, /not a readable SQLite database|failed verification/],
      [foreign, /not an aistack database/],
      [newer, /schema version\(s\) 999 unknown/],
      [join(dir, 'missing.db'), /not found/],
    ] as const) {
      const err = (await c.call('backup.restore', { file }).catch((e: unknown) => e)) as RpcError;
      expect(err, file).toBeInstanceOf(RpcError);
      expect(err.message, file).toMatch(reason);
      const refusal = auditRecords(d).find(
        (e) => e.event === 'backup.restore_refused' && e.file === file,
      );
      expect(refusal, file).toBeDefined();
    }
    const verify = await c.call('backup.verify', { file: truncated });
    expect(verify.ok).toBe(false);
    expect(verify.problems.length).toBeGreaterThan(0);

    expect((await c.call('memory.get', { key: 'keep-me', namespace: NS })).entry.content).toBe(
      contentOf('keep-me'),
    );
    const leftovers = readdirSync(d.dataDir).filter((name) => /\.bak$|\.tmp/.test(name));
    expect(leftovers).toEqual([]);
  });

  it('takes only absolute paths without NUL, and never writes over a file unless forced', async () => {
    const d = await startDaemon();
    const c = await d.client();
    for (const out of ['relative.db', '/tmp/a\0b.db']) {
      const err = (await c.call('backup.create', { out }).catch((e: unknown) => e)) as RpcError;
      expect(err.code).toBe('INVALID_PARAMS');
    }
    const existing = join(tempDir(), 'precious.txt');
    writeFileSync(existing, 'precious');
    const err = (await c
      .call('backup.create', { out: existing })
      .catch((e: unknown) => e)) as RpcError;
    expect(err.code).toBe('CONFLICT');
    expect(readFileSync(existing, 'utf8')).toBe('precious');
    expect(auditRecords(d).find((e) => e.event === 'backup.refused')).toMatchObject({
      path: existing,
    });
  });

  it('the scheduled backup job writes into <dataDir>/backups and keeps the newest N', async () => {
    const d = await startDaemon({ config: { jobs: { backup: { keep: 2 } } } });
    const c = await d.client();
    for (let i = 0; i < 3; i++) {
      const run = await c.call('jobs.run', { name: 'backup' });
      expect(run).toMatchObject({ ok: true });
    }
    const dir = join(d.dataDir, 'backups');
    const files = readdirSync(dir).sort();
    expect(files).toHaveLength(2);
    for (const name of files) expect(fileMode(join(dir, name))).toBe(0o600);
    expect(auditRecords(d).filter((e) => e.event === 'backup.pruned')).toHaveLength(1);
    expect(existsSync(dir)).toBe(true);
  });
});
