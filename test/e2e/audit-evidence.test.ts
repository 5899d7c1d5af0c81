import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { listAuditFiles, readRecordLines } from '../../src/services/audit/audit-files.js';
import { MAX_RECORD_BYTES } from '../../src/services/audit/audit-bounds.js';
import { auditRecords, type AuditRecord } from '../helpers/audit.js';
import { cleanupAll, ownerToken, runCli, startDaemon, type TestDaemon } from '../helpers/daemon.js';
import { rawSocket } from '../helpers/raw-socket.js';
import { openSession } from '../helpers/session.js';
import { waitFor } from '../helpers/wait.js';

afterEach(cleanupAll);

const MiB = 1024 * 1024;

/** Every audit line on disk, as written. */
function auditLines(d: TestDaemon): string[] {
  return listAuditFiles(join(d.dataDir, 'audit')).flatMap((f) => readRecordLines(f.path) ?? []);
}

/** How many refusals the records of one session stand for: a record without count is one. */
function represented(records: AuditRecord[], sessionId: string): number {
  return records
    .filter((r) => r.event === 'access.denied' && r.sessionId === sessionId)
    .reduce((n, r) => n + (typeof r.count === 'number' ? r.count : 1), 0);
}

const cli = (d: TestDaemon, ...args: string[]) =>
  runCli([...args, '--socket', d.socketPath, '--data-dir', d.dataDir, '--no-autostart']);

/** Refusal limits out of the way: these tests send many refusals on one connection. */
const QUIET_REFUSALS = { refusalSlowAfter: 10_000, refusalCloseAfter: 10_000 };

describe('an audit log that keeps its evidence', () => {
  it('keeps an earlier access.denied through a flood of 1 MB method names, and no line passes the bound', async () => {
    const d = await startDaemon({
      config: {
        // Per-connection refusal counting (connection-limits.test.ts) would otherwise take
        // over past 20 refusals; this test is about the audit log's own bounds.
        daemon: { maxLineBytes: 2 * MiB, ...QUIET_REFUSALS },
        // Small enough that 60 MB of records would roll the first file away many times over.
        audit: { rotateSize: '256k', keep: 3, rotateFrequency: null },
      },
    });
    const c = await d.client();
    const me = await openSession(c);
    const other = await openSession(c);
    await expect(
      c.call('memory.list', { namespace: other.namespace, ...me.creds }),
    ).rejects.toMatchObject({ code: 'ACCESS_DENIED' });
    const raw = await rawSocket(d.socketPath, ownerToken(d));
    for (let i = 0; i < 60; i++) {
      const method = `${i}.${randomBytes(MiB / 2).toString('hex')}`;
      raw.send(JSON.stringify({ jsonrpc: '2.0', id: i, method }) + '\n');
      const reply = (await raw.next(30_000)) as { error?: { data?: { code?: string } } };
      expect(reply.error?.data?.code).toBe('METHOD_NOT_FOUND');
    }
    raw.close();
    const records = auditRecords(d);
    expect(records.find((r) => r.event === 'access.denied')).toMatchObject({
      sessionId: me.id,
      namespace: other.namespace,
    });
    const flood = records.filter((r) => r.event === 'request.refused');
    expect(flood.length).toBe(60);
    for (const r of flood) {
      expect((r.method as string).length).toBeLessThanOrEqual(200);
      expect(r.methodLength).toBe(MiB + String(r.method).split('.')[0]!.length + 1);
    }
    for (const line of auditLines(d))
      expect(Buffer.byteLength(line)).toBeLessThanOrEqual(MAX_RECORD_BYTES);
    expect(await c.call('audit.verify')).toMatchObject({ ok: true, firstSeq: 1, notes: [] });
  });

  it('fails `audit verify` and `doctor` naming the range when the file cap deletes young records', async () => {
    const d = await startDaemon({
      config: { audit: { rotateSize: '1k', keep: 2, rotateFrequency: null } },
    });
    const c = await d.client();
    for (let i = 0; i < 30; i++) await openSession(c, { i });
    await waitFor(() => auditRecords(d).some((r) => r.event === 'audit.records_lost'), 'a loss');
    const verdict = await c.call('audit.verify');
    expect(verdict).toMatchObject({ ok: false, seq: 1, file: null });
    expect(!verdict.ok && verdict.lost?.[0]).toMatchObject({ firstSeq: 1 });
    const lastLost = !verdict.ok ? verdict.lost!.at(-1)!.lastSeq : 0;
    const verify = await cli(d, 'audit', 'verify');
    expect(verify.code).toBe(1);
    expect(verify.stdout).toMatch(
      new RegExp(
        `^EVIDENCE LOST: audit records younger than the retention period were deleted to stay within audit\\.keep files: records 1–${lastLost} \\(`,
      ),
    );
    const doctor = await cli(d, 'doctor');
    expect(doctor.code).toBe(1);
    expect(doctor.stdout).toMatch(/FAIL\s+audit\s+evidence lost: .*records 1–\d+/);
    expect(d.logs()).toContain('audit records younger than audit.retentionDays were deleted');
  });

  it('prunes records past audit.retentionDays quietly: verify passes and says where the chain starts', async () => {
    let now = Date.parse('2030-01-01T00:00:00Z');
    const d = await startDaemon({
      clock: () => now,
      config: { audit: { rotateSize: '1k', keep: 1000, retentionDays: 30, rotateFrequency: null } },
    });
    const c = await d.client();
    for (let i = 0; i < 20; i++) await openSession(c, { i });
    now += 31 * 86_400_000;
    await c.call('jobs.run', { name: 'audit.rotate' });
    const pruned = auditRecords(d).find((r) => r.event === 'audit.pruned');
    expect(pruned).toBeDefined();
    const verdict = await c.call('audit.verify');
    expect(verdict).toMatchObject({ ok: true });
    expect(verdict.ok && verdict.firstSeq).toBeGreaterThan(1);
    expect(verdict.ok && verdict.notes).toContain(
      `the chain starts at seq ${verdict.ok ? verdict.firstSeq : 0}: older records were pruned by retention`,
    );
    expect(auditRecords(d).some((r) => r.event === 'audit.records_lost')).toBe(false);
  });

  it('aggregates 50 identical refusals per session into a few records whose counts sum to 50, never across sessions', async () => {
    const d = await startDaemon({
      config: { daemon: QUIET_REFUSALS, audit: { aggregateWindowSeconds: 1 } },
    });
    const c = await d.client();
    const a = await openSession(c);
    const b = await openSession(c);
    const victim = await openSession(c);
    for (let i = 0; i < 50; i++) {
      for (const s of [a, b]) {
        await expect(
          c.call('memory.list', { namespace: victim.namespace, ...s.creds }),
        ).rejects.toMatchObject({ code: 'ACCESS_DENIED' });
      }
    }
    // The counts are written when each window ends (1 s here), without the daemon stopping.
    await waitFor(
      () => represented(auditRecords(d), a.id) === 50 && represented(auditRecords(d), b.id) === 50,
      'the counts of both sessions',
      { timeoutMs: 60_000 },
    );
    const denied = auditRecords(d).filter((r) => r.event === 'access.denied');
    expect(denied.length).toBeLessThanOrEqual(20);
    for (const r of denied) expect([a.id, b.id]).toContain(r.sessionId);
    const counted = denied.filter((r) => typeof r.count === 'number');
    expect(counted.length).toBeGreaterThan(0);
    for (const r of counted) {
      expect(typeof r.firstTime).toBe('string');
      expect(typeof r.lastTime).toBe('string');
    }
    expect(await c.call('audit.verify')).toMatchObject({ ok: true });
  });

  it('writes the counts still open when the daemon stops', async () => {
    // The default window, 10 s: longer than this test waits.
    const d = await startDaemon({ config: { daemon: QUIET_REFUSALS } });
    const c = await d.client();
    const a = await openSession(c);
    const victim = await openSession(c);
    for (let i = 0; i < 50; i++) {
      await expect(
        c.call('memory.list', { namespace: victim.namespace, ...a.creds }),
      ).rejects.toMatchObject({ code: 'ACCESS_DENIED' });
    }
    // The first is written at once, so nothing is hidden while the window is open.
    expect(represented(auditRecords(d), a.id)).toBe(1);
    await d.stop();
    const denied = auditRecords(d).filter((r) => r.event === 'access.denied');
    expect(denied).toHaveLength(2);
    expect(represented(auditRecords(d), a.id)).toBe(50);
  });
});
