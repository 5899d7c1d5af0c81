import { rmSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { Redactor } from '../../src/config/secrets.js';
import { AuditLog } from '../../src/services/audit/audit-log.js';
import type { AuditHead } from '../../src/services/audit/audit-files.js';
import { cleanupAll, tempDir } from '../helpers/daemon.js';

afterEach(cleanupAll);

async function rotated(now: { t: number }) {
  const dir = tempDir();
  let head: AuditHead | undefined;
  const log = await AuditLog.open({
    dir,
    redactor: new Redactor(),
    rotation: { size: '1k', keep: 1000, retentionDays: 30 },
    head: { get: () => head, set: (h) => void (head = h) },
    clock: () => new Date(now.t),
  });
  for (let i = 0; i < 40; i++) {
    log.record('test.event', { i, note: 'x'.repeat(60) });
    await new Promise((r) => setImmediate(r));
  }
  return log;
}

describe('audit retention', () => {
  it('fails verify when the oldest file is deleted by hand, not by the daemon', async () => {
    const now = { t: Date.parse('2030-01-01T00:00:00Z') };
    const log = await rotated(now);
    expect(log.verify()).toMatchObject({ ok: true, firstSeq: 1, notes: [] });
    rmSync(log.files()[0]!);
    const verdict = log.verify();
    expect(verdict).toMatchObject({ ok: false, seq: 1 });
    expect(!verdict.ok && verdict.reason).toMatch(
      /^records? 1(–\d+)? (is|are) missing from the start and were not pruned by the daemon/,
    );
    await log.close();
  });

  it('prunes by age only files whose newest record is past retention, never the current one', async () => {
    const now = { t: Date.parse('2030-01-01T00:00:00Z') };
    const log = await rotated(now);
    const files = log.files().length;
    now.t += 29 * 86_400_000;
    expect(log.prune()).toMatchObject({ aged: [], lost: [] });
    expect(log.files()).toHaveLength(files);
    now.t += 2 * 86_400_000;
    const result = log.prune()!;
    expect(result.aged.length).toBe(files - 1);
    expect(result.lost).toEqual([]);
    const verdict = log.verify();
    expect(verdict).toMatchObject({ ok: true });
    expect(verdict.ok && verdict.notes.join()).toMatch(
      /the chain starts at seq \d+: older records were pruned by retention/,
    );
    await log.close();
  });
});
