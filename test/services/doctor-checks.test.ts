/**
 * `system.doctor`'s checks as functions: the audit scan reads prepared audit files
 * backwards, bounded, and the anomaly check compares the window with the usual rate;
 * Node's end of life against any date; the SQLite minimum; the backup checks with a
 * verification that times out. Each trips on a prepared bad state and passes on a good one.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { anomalyCheck } from '../../src/services/system/doctor-anomalies.js';
import { classify, scanAudit } from '../../src/services/system/doctor-audit-scan.js';
import { backupChecks, type BackupCheckInputs } from '../../src/services/system/doctor-backups.js';
import {
  MIN_SQLITE,
  nativeModuleCheck,
  nodeEolCheck,
  sqliteCheck,
} from '../../src/services/system/doctor-deps.js';
import { cleanupAll, tempDir } from '../helpers/daemon.js';

afterEach(cleanupAll);

const HOUR = 3_600_000;
const NOW = Date.parse('2026-06-10T12:00:00Z');
const ZERO = '0'.repeat(64);

interface Rec {
  at: number;
  event: string;
  details?: Record<string, unknown>;
}

/** Audit files as the daemon writes them (one JSON record per line), `perFile` records each. */
function writeAudit(records: Rec[], perFile = records.length): string {
  const dir = tempDir();
  const sorted = [...records].sort((a, b) => a.at - b.at);
  for (let f = 0; f * perFile < sorted.length; f++) {
    const lines = sorted.slice(f * perFile, (f + 1) * perFile).map((r, i) =>
      JSON.stringify({
        seq: f * perFile + i + 1,
        time: new Date(r.at).toISOString(),
        event: r.event,
        prevHash: ZERO,
        ...(r.details && { details: r.details }),
      }),
    );
    writeFileSync(join(dir, `audit.${f + 1}.log`), lines.join('\n') + '\n');
  }
  return dir;
}

/** `n` records of `event` spread evenly from `from` to `to`. */
function spread(n: number, from: number, to: number, event: string, details = {}): Rec[] {
  return Array.from({ length: n }, (_, i) => ({
    at: from + ((to - from) * (i + 0.5)) / n,
    event,
    details,
  }));
}

async function check(dir: string, since = NOW - 24 * HOUR, maxBytes = 64 << 20) {
  const baselineFrom = since - 7 * 24 * HOUR;
  const scan = await scanAudit({ dir, since, baselineFrom, maxBytes });
  return { scan, check: anomalyCheck(scan, { since, until: NOW, baselineFrom }) };
}

describe('anomalies in the audit log', () => {
  const denied = (session: string) => ({ method: 'memory.get', connection: 3, sessionId: session });

  it('the usual rate passes; a burst well above it warns and names the top sources', async () => {
    // 20 refusals a day for a week, then a day like the others: usual.
    const week = spread(
      140,
      NOW - 8 * 24 * HOUR,
      NOW - 24 * HOUR,
      'access.denied',
      denied('s-old'),
    );
    const usualDay = spread(22, NOW - 24 * HOUR, NOW, 'access.denied', denied('s-day'));
    const ok = await check(writeAudit([...week, ...usualDay], 50));
    expect(ok.check.status).toBe('PASS');
    expect(ok.check.detail).toMatch(/22 refusals/);
    expect(ok.scan.window.count('refusals')).toBe(22);
    expect(ok.scan.baseline.count('refusals')).toBe(140);

    // The same week, then a burst from one session (and a little from another).
    const burst = [
      ...spread(70, NOW - 2 * HOUR, NOW, 'access.denied', denied('s-attacker')),
      ...spread(5, NOW - 2 * HOUR, NOW, 'access.denied', denied('s-other')),
    ];
    const bad = await check(writeAudit([...week, ...burst], 50));
    expect(bad.check.status).toBe('WARN');
    expect(bad.check.detail).toMatch(
      /75 refusals in 24 h, usually 20\.\d; most from session s-attacker \(70\), session s-other \(5\)/,
    );
    expect(bad.check.fix).toMatch(/revoke/);
  });

  it('counts each kind: failed authentications, invalid requests, plugin refusals, aggregated records', async () => {
    const recs: Rec[] = [
      {
        at: NOW - HOUR,
        event: 'request.refused',
        details: { code: 'UNAUTHENTICATED', connection: 1 },
      },
      {
        at: NOW - HOUR,
        event: 'http.refused',
        details: { kind: 'authentication', remoteAddress: '10.0.0.9' },
      },
      {
        at: NOW - HOUR,
        event: 'http.refused_summary',
        details: { kind: 'authentication', notRecorded: 40 },
      },
      {
        at: NOW - HOUR,
        event: 'request.refused',
        details: { code: 'INVALID_PARAMS', connection: 2, count: 11 },
      },
      { at: NOW - HOUR, event: 'plugin.refused', details: { plugin: 'evil' } },
      { at: NOW - HOUR, event: 'session.start', details: {} },
    ];
    const { scan, check: c } = await check(writeAudit(recs));
    expect(scan.window.count('failed-auth')).toBe(42);
    expect(scan.window.count('invalid')).toBe(11);
    expect(scan.window.count('plugin')).toBe(1);
    expect(scan.window.count('refusals')).toBe(0);
    // No history before the window: anything from SPIKE_MIN up is a spike.
    expect(c.status).toBe('WARN');
    expect(c.detail).toMatch(
      /42 failed authentications in .* most from http authentication \(held back by the flood limit\) \(40\), address 10\.0\.0\.9 \(1\), connection 1 \(1\)/,
    );
    expect(c.detail).toMatch(/11 invalid requests/);
    expect(c.detail).not.toMatch(/plugin refusals in/);
    expect(classify({ seq: 1, time: '', event: 'session.start', prevHash: ZERO })).toBeUndefined();
  });

  it('reads only back to the baseline, and never more than its byte budget', async () => {
    const old = spread(
      3000,
      NOW - 60 * 24 * HOUR,
      NOW - 30 * 24 * HOUR,
      'access.denied',
      denied('ancient'),
    );
    const recent = spread(12, NOW - HOUR, NOW, 'request.refused', {
      code: 'PARSE_ERROR',
      connection: 9,
    });
    const dir = writeAudit([...old, ...recent], 500);
    const { scan, check: c } = await check(dir);
    // It stopped at the first record older than the baseline: one line of the old ones.
    expect(scan.baseline.count('refusals')).toBe(0);
    expect(scan.bytesRead).toBeLessThan(200_000);
    expect(c.status).toBe('WARN');
    expect(c.detail).toMatch(/12 invalid requests .* connection 9 \(12\)/);

    const cut = await check(dir, NOW - 24 * HOUR, 1000);
    expect(cut.scan.bytesRead).toBeLessThanOrEqual(1000);
    expect(cut.scan.truncated).toBe(true);
  });

  it('reads lines across chunk boundaries intact (a file over 1 MiB)', async () => {
    const many = spread(9000, NOW - 20 * HOUR, NOW, 'access.denied', {
      ...denied('s-big'),
      padding: 'p'.repeat(100),
    });
    const { scan } = await check(writeAudit(many));
    expect(scan.bytesRead).toBeGreaterThan(1 << 20);
    expect(scan.window.count('refusals')).toBe(9000);
  });
});

describe('dependencies', () => {
  it("Node's end of life: WARN once past it and in the 90 days before, PASS well before", () => {
    expect(nodeEolCheck('20.20.2', Date.parse('2026-05-01T00:00:00Z'))).toMatchObject({
      status: 'WARN',
      detail: expect.stringMatching(/reached end of life on 2026-04-30/),
      fix: expect.stringMatching(/22 or 24/),
    });
    expect(nodeEolCheck('20.20.2', Date.parse('2026-03-01T00:00:00Z')).status).toBe('WARN');
    expect(nodeEolCheck('20.20.2', Date.parse('2025-06-01T00:00:00Z'))).toMatchObject({
      status: 'PASS',
      fix: null,
    });
    expect(nodeEolCheck('24.1.0', Date.parse('2026-12-02T00:00:00Z')).status).toBe('PASS');
    expect(nodeEolCheck('99.0.0', NOW).status).toBe('PASS');
    expect(nodeEolCheck('14.21.0', NOW).status).toBe('FAIL');
  });

  it(`SQLite older than ${MIN_SQLITE} fails; the bundled one passes`, () => {
    expect(sqliteCheck('3.45.1', '11.0.0')).toMatchObject({
      status: 'FAIL',
      detail: expect.stringMatching(/CVE-2025-6965/),
    });
    expect(sqliteCheck('3.50.2', '12.0.0').status).toBe('PASS');
    expect(sqliteCheck('3.53.2', '12.11.1').status).toBe('PASS');
  });

  it('a native module rebuilt under the running daemon warns', () => {
    const base = { betterSqlite: '12', abi: '115', node: '20', path: '/x.node' };
    const id = { ino: 1, mtimeMs: 5 };
    expect(nativeModuleCheck({ ...base, atStart: id, now: id }).status).toBe('PASS');
    expect(nativeModuleCheck({ ...base, atStart: id, now: { ino: 2, mtimeMs: 9 } })).toMatchObject({
      status: 'WARN',
      fix: expect.stringMatching(/npm rebuild better-sqlite3/),
    });
  });
});

describe('backups', () => {
  function inputs(dir: string, over: Partial<BackupCheckInputs> = {}): BackupCheckInputs {
    return {
      dir,
      now: Date.now(),
      uid: process.getuid?.() ?? null,
      maxAgeDays: 7,
      job: {
        enabled: false,
        schedule: '30 3 * * *',
        includeSessions: false,
        lastRun: null,
        nextRun: null,
      },
      verify: () =>
        Promise.resolve({ ok: true, problems: [], sessions: { sessions: 0, entries: 0 } }),
      ...over,
    };
  }

  it('a verification that runs out of time warns, naming the command without a limit', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'aistack-2026-01-01T00-00-00-000Z.db'), 'x', { mode: 0o600 });
    const checks = await backupChecks(
      inputs(dir, { verify: () => Promise.resolve({ timedOut: true, limitMs: 20_000 }) }),
    );
    expect(checks.find((c) => c.name === 'backup-verify')).toMatchObject({
      status: 'WARN',
      detail: expect.stringMatching(/longer than 20 s/),
      fix: expect.stringMatching(/aistack backup verify .*aistack-2026/),
    });
  });

  it("a failed backup job warns with the job's error", async () => {
    const checks = await backupChecks(
      inputs(tempDir(), {
        job: {
          enabled: true,
          schedule: '30 3 * * *',
          includeSessions: false,
          lastRun: {
            ok: false,
            finishedAt: '2026-12-01T03:30:00.000Z',
            error: 'ENOSPC: no space left',
          },
          nextRun: null,
        },
      }),
    );
    expect(checks[0]).toMatchObject({
      name: 'backup',
      status: 'WARN',
      detail: expect.stringMatching(/ENOSPC/),
    });
  });
});
