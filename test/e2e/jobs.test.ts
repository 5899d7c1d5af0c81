import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { RpcError } from '../../src/clients/client.js';
import { auditRecords } from '../helpers/audit.js';
import { cleanupAll, runCli, startDaemon, tempDir, writeConfig } from '../helpers/daemon.js';
import { openSession } from '../helpers/session.js';

afterEach(cleanupAll);

const MIN = 60_000;
const DAY = 86_400_000;

describe('scheduled jobs through the daemon', () => {
  it('lists each job with schedule, state and next run', async () => {
    const d = await startDaemon({ config: { jobs: { backup: { enabled: false } } } });
    const { jobs } = await (await d.client()).call('system.jobs');
    expect(jobs.map((j) => j.name)).toEqual([
      'sessions.cleanup',
      'keys.reminder',
      'audit.rotate',
      'memory.historyPrune',
      'memory.expire',
      'backup',
    ]);
    const cleanup = jobs.find((j) => j.name === 'sessions.cleanup')!;
    expect(cleanup).toMatchObject({
      schedule: '*/5 * * * *',
      enabled: true,
      running: false,
      lastRun: null,
    });
    expect(Date.parse(cleanup.nextRun!)).toBeGreaterThan(Date.now());
    expect(jobs.find((j) => j.name === 'backup')).toMatchObject({ enabled: false, nextRun: null });
    const cli = await runCli(['jobs', 'list'], { AISTACK_SOCKET: d.socketPath, HOME: tempDir() });
    expect(cli.stdout).toMatch(/JOB\s+STATE\s+SCHEDULE/);
    expect(cli.stdout).toMatch(/sessions\.cleanup\s+on\s+\*\/5 \* \* \* \*/);
  });

  it('idle cleanup ends an idle session and not an active one', async () => {
    let now = Date.parse('2026-01-01T00:00:00Z');
    const d = await startDaemon({ clock: () => now });
    const c = await d.client();
    const idle = await openSession(c);
    const active = await openSession(c);
    await c.call('memory.store', { key: 'x', content: 'idle session data', ...idle.creds });
    now += 100 * MIN;
    await c.call('memory.list', active.creds); // activity at +100 min
    now += 30 * MIN; // idle: 130 min since its last call; active: 30 min
    const run = await c.call('jobs.run', { name: 'sessions.cleanup' });
    expect(run).toMatchObject({ ok: true, trigger: 'manual', result: { ended: [idle.id] } });
    expect(
      (await c
        .call('memory.get', { key: 'x', ...idle.creds })
        .catch((e: RpcError) => e)) as RpcError,
    ).toMatchObject({
      code: 'SESSION_INVALID',
    });
    expect((await c.call('session.status', active.creds)).session.endedAt).toBeNull();
    const end = auditRecords(d).find((r) => r.event === 'session.end');
    expect(end).toMatchObject({ sessionId: idle.id, reason: 'idle', deletedEntries: 1 });
    const cli = await runCli(['jobs', 'run', 'sessions.cleanup'], {
      AISTACK_SOCKET: d.socketPath,
      HOME: tempDir(),
    });
    expect(cli.stdout).toMatch(/^sessions\.cleanup: ok \{"ended":\[\]\}/);
  });

  it('reminds about an old key, records a rotation, and never writes the key', async () => {
    let now = Date.parse('2026-01-01T00:00:00Z');
    const dir = tempDir();
    const key1 = `sk-ant-api03-${randomBytes(30).toString('base64url')}`;
    const key2 = `sk-ant-api03-${randomBytes(30).toString('base64url')}`;
    const config = {
      providers: { anthropic: { apiKey: '${ANTHROPIC_API_KEY}' } },
      security: { keyRotationDays: 90 },
    };
    const d = await startDaemon({
      dir,
      config,
      env: { ANTHROPIC_API_KEY: key1 },
      clock: () => now,
    });
    const c = await d.client();
    let status = await c.call('system.status');
    expect(status.keys).toEqual([
      expect.objectContaining({ provider: 'anthropic', ageDays: 0, rotationDue: false }),
    ]);
    now += 91 * DAY;
    const run = await c.call('jobs.run', { name: 'keys.reminder' });
    expect(run.result).toEqual({ keys: 1, rotationDue: ['anthropic'] });
    status = await c.call('system.status');
    expect(status.keys[0]).toMatchObject({ ageDays: 91, rotationDue: true });
    expect(d.logs()).toMatch(/anthropic API key is 91 days old/);
    const due = auditRecords(d).find((r) => r.event === 'key.rotation_due');
    expect(due).toMatchObject({ provider: 'anthropic', ageDays: 91 });
    const listed = await c.call('provider.list');
    expect(listed.providers[0]!.keyFirstSeen).toBe('2026-01-01T00:00:00.000Z');
    await d.stop();

    const again = await startDaemon({
      dir,
      config,
      env: { ANTHROPIC_API_KEY: key2 },
      clock: () => now,
    });
    const status2 = await (await again.client()).call('system.status');
    expect(status2.keys[0]).toMatchObject({
      ageDays: 0,
      rotationDue: false,
      rotatedAt: new Date(now).toISOString(),
    });
    expect(
      auditRecords(again).some((r) => r.event === 'key.rotated' && r.provider === 'anthropic'),
    ).toBe(true);
    await again.stop();
    const files = readdirSync(d.dataDir, { recursive: true, withFileTypes: true }).filter((e) =>
      e.isFile(),
    );
    for (const f of files) {
      const bytes = readFileSync(join(f.parentPath, f.name));
      expect(bytes.includes(key1), f.name).toBe(false);
      expect(bytes.includes(key2), f.name).toBe(false);
    }
    expect(d.logs() + again.logs()).not.toContain(key1);
  });

  it('a config reload reaches the next key-reminder run', async () => {
    let now = Date.parse('2026-01-01T00:00:00Z');
    const dir = tempDir();
    const key = `sk-ant-api03-${randomBytes(30).toString('base64url')}`;
    const config = (keyRotationDays: number) => ({
      providers: { anthropic: { apiKey: '${ANTHROPIC_API_KEY}' } },
      security: { keyRotationDays },
    });
    const d = await startDaemon({
      dir,
      config: config(365),
      env: { ANTHROPIC_API_KEY: key },
      clock: () => now,
    });
    const c = await d.client();
    now += 91 * DAY;
    const before = await c.call('jobs.run', { name: 'keys.reminder' });
    expect(before.result).toEqual({ keys: 1, rotationDue: [] });
    expect(auditRecords(d).some((r) => r.event === 'key.rotation_due')).toBe(false);

    writeConfig(dir, config(30));
    const reloaded = await c.call('config.reload');
    expect(reloaded.changed).toEqual([
      expect.objectContaining({
        path: 'security.keyRotationDays',
        from: 365,
        to: 30,
        appliedLive: true,
      }),
    ]);
    const after = await c.call('jobs.run', { name: 'keys.reminder' });
    expect(after.result).toEqual({ keys: 1, rotationDue: ['anthropic'] });
    expect(auditRecords(d).find((r) => r.event === 'key.rotation_due')).toMatchObject({
      provider: 'anthropic',
      ageDays: 91,
      rotationDays: 30,
    });
    expect((await c.call('system.status')).keys[0]).toMatchObject({
      ageDays: 91,
      rotationDue: true,
    });
  });

  it('a provider key added by a config reload is in the next key-reminder run', async () => {
    const dir = tempDir();
    const d = await startDaemon({ dir, config: {} });
    const c = await d.client();
    expect((await c.call('jobs.run', { name: 'keys.reminder' })).result).toEqual({
      keys: 0,
      rotationDue: [],
    });
    writeConfig(dir, {
      providers: { openai: { apiKey: `sk-${randomBytes(24).toString('hex')}` } },
    });
    await c.call('config.reload');
    expect((await c.call('jobs.run', { name: 'keys.reminder' })).result).toEqual({
      keys: 1,
      rotationDue: [],
    });
    expect(
      auditRecords(d).some((r) => r.event === 'key.first_seen' && r.provider === 'openai'),
    ).toBe(true);
  });

  it('a config reload sets the idle timeout of the sessions started after it', async () => {
    let now = Date.parse('2026-01-01T00:00:00Z');
    const dir = tempDir();
    const d = await startDaemon({
      dir,
      config: { sessions: { idleTimeoutMinutes: 120 } },
      clock: () => now,
    });
    const c = await d.client();
    const early = await openSession(c);
    writeConfig(dir, { sessions: { idleTimeoutMinutes: 10 } });
    const reloaded = await c.call('config.reload');
    expect(reloaded.changed).toEqual([
      expect.objectContaining({ path: 'sessions.idleTimeoutMinutes', appliedLive: true }),
    ]);
    const late = await openSession(c);
    now += 11 * MIN;
    const run = await c.call('jobs.run', { name: 'sessions.cleanup' });
    expect(run.result).toEqual({ ended: [late.id] }); // the early one keeps its 120 minutes
    expect((await c.call('session.status', early.creds)).session.endedAt).toBeNull();
  });

  it('a failing job is reported and audited, and the daemon keeps serving', async () => {
    const d = await startDaemon();
    const c = await d.client();
    // A file where the backups directory should be: the backup job cannot write.
    writeFileSync(join(d.dataDir, 'backups'), 'not a directory');
    const run = await c.call('jobs.run', { name: 'backup' });
    expect(run.ok).toBe(false);
    expect(auditRecords(d).some((r) => r.event === 'job.failed' && r.job === 'backup')).toBe(true);
    expect(await c.call('system.ping')).toMatchObject({ pong: true });
    const unknown = await c.call('jobs.run', { name: 'nope' }).catch((e: RpcError) => e);
    expect((unknown as RpcError).code).toBe('NOT_FOUND');
  });
});
