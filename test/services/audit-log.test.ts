import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Redactor } from '../../src/config/secrets.js';
import {
  hashLine,
  prepareFrequencyRoll,
  ZERO_HASH,
  type AuditHead,
  type AuditHeadStore,
} from '../../src/services/audit/audit-files.js';
import { metaAuditHead } from '../../src/store/audit/audit-head.js';
import { AuditLog, type AuditRotation } from '../../src/services/audit/audit-log.js';
import { verifyAudit } from '../../src/services/audit/audit-verify.js';
import { openDatabase } from '../../src/store/database.js';
import { MIGRATIONS } from '../../src/store/schema.js';
import { cleanupAll, tempDir } from '../helpers/daemon.js';
import { waitFor } from '../helpers/wait.js';

afterEach(cleanupAll);

function memoryHead(): AuditHeadStore & { value?: AuditHead } {
  return {
    get() {
      return this.value;
    },
    set(head) {
      this.value = head;
    },
  };
}

async function openLog(
  dir: string,
  rotation: Partial<AuditRotation> = {},
  head: AuditHeadStore = memoryHead(),
): Promise<AuditLog> {
  return AuditLog.open({
    dir,
    head,
    redactor: new Redactor(),
    rotation: { size: '10m', keep: 10, retentionDays: 90, ...rotation },
  });
}

/** Writes records one event-loop turn apart, as a daemon would, so pino-roll gets to roll. */
async function write(log: AuditLog, count: number, event = 'test.event'): Promise<void> {
  for (let i = 0; i < count; i++) {
    log.record(event, { i, note: 'x'.repeat(40) });
    await new Promise((r) => setImmediate(r));
  }
}

/** Every line of every file, in order, with where it is. */
function allLines(log: AuditLog): { file: string; line: number; text: string; seq: number }[] {
  return log.files().flatMap((path) =>
    readFileSync(path, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((text, i) => ({
        file: path,
        line: i + 1,
        text,
        seq: (JSON.parse(text) as { seq: number }).seq,
      })),
  );
}

function locate(log: AuditLog, seq: number) {
  const found = allLines(log).find((l) => l.seq === seq);
  if (!found) throw new Error(`seq ${seq} not found`);
  return found;
}

function rewriteLines(path: string, edit: (lines: string[]) => string[]): void {
  const lines = readFileSync(path, 'utf8').split('\n').filter(Boolean);
  writeFileSync(
    path,
    edit(lines)
      .map((l) => l + '\n')
      .join(''),
  );
}

/** A closed log of `count` records over several small files, with its saved head. */
async function rotatedLog(count = 40) {
  const dir = tempDir();
  const head = memoryHead();
  const log = await openLog(dir, { size: '1k', keep: 100 }, head);
  await write(log, count);
  await log.close();
  expect(log.files().length).toBeGreaterThan(1);
  return { dir, log, head: head.value! };
}

describe('audit log chain', () => {
  it('chains each record to the exact previous line and verifies an untouched log', async () => {
    const dir = tempDir();
    const head = memoryHead();
    const log = await openLog(dir, {}, head);
    await write(log, 5);
    const lines = allLines(log).map((l) => l.text);
    expect(lines).toHaveLength(5);
    const records = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(records.map((r) => r.seq)).toEqual([1, 2, 3, 4, 5]);
    expect(records[0]!.prevHash).toBe(ZERO_HASH);
    for (let i = 1; i < 5; i++) expect(records[i]!.prevHash).toBe(hashLine(lines[i - 1]!));
    expect(records[0]).toMatchObject({ event: 'test.event', details: { i: 0 } });
    expect(typeof records[0]!.time).toBe('string');
    expect(head.value).toEqual({ seq: 5, hash: hashLine(lines[4]!) });
    expect(log.verify()).toEqual({
      ok: true,
      records: 5,
      files: ['audit.1.log'],
      firstSeq: 1,
      lastSeq: 5,
      headChecked: true,
      notes: [],
    });
    await log.close();
  });

  it('verifies across rotated files', async () => {
    const { dir, head } = await rotatedLog(60);
    const result = verifyAudit(dir, head);
    expect(result).toMatchObject({ ok: true, records: 60, firstSeq: 1, lastSeq: 60 });
    expect(result.ok && result.files.length).toBeGreaterThan(1);
  });

  it('names the record after an edited line', async () => {
    const { dir, log, head } = await rotatedLog();
    const edited = locate(log, 10);
    rewriteLines(edited.file, (lines) =>
      lines.map((l, i) => (i === edited.line - 1 ? l.replace('"i":9', '"i":99') : l)),
    );
    const next = locate(log, 11);
    expect(verifyAudit(dir, head)).toMatchObject({
      ok: false,
      file: basename(next.file),
      line: next.line,
      seq: 11,
      reason: expect.stringContaining('seq 10'),
    });
  });

  it('names the record after a deleted line', async () => {
    const { dir, log, head } = await rotatedLog();
    const gone = locate(log, 10);
    rewriteLines(gone.file, (lines) => lines.filter((_l, i) => i !== gone.line - 1));
    const next = locate(log, 11);
    expect(verifyAudit(dir, head)).toMatchObject({
      ok: false,
      file: basename(next.file),
      line: next.line,
      seq: 11,
      reason: expect.stringContaining('expected seq 10'),
    });
  });

  it('names the record where two lines were swapped', async () => {
    const { dir, log, head } = await rotatedLog();
    const seq = allLines(log).find((l, i, all) => all[i + 1]?.file === l.file && l.seq > 5)!.seq;
    const first = locate(log, seq);
    rewriteLines(first.file, (lines) => {
      const out = [...lines];
      [out[first.line - 1], out[first.line]] = [out[first.line]!, out[first.line - 1]!];
      return out;
    });
    expect(verifyAudit(dir, head)).toMatchObject({
      ok: false,
      file: basename(first.file),
      line: first.line,
      seq: seq + 1,
    });
  });

  it('catches the newest record deleted, through the saved head', async () => {
    const { dir, log, head } = await rotatedLog();
    const last = locate(log, 40);
    rewriteLines(last.file, (lines) => lines.slice(0, -1));
    expect(verifyAudit(dir)).toMatchObject({ ok: true, lastSeq: 39, headChecked: false });
    expect(verifyAudit(dir, head)).toMatchObject({
      ok: false,
      file: basename(last.file),
      line: last.line,
      seq: 40,
      reason: expect.stringContaining('missing from the end'),
    });
  });

  it('catches the newest record edited, through the saved head', async () => {
    const { dir, log, head } = await rotatedLog();
    const last = locate(log, 40);
    rewriteLines(last.file, (lines) => lines.map((l) => l.replace('"i":39', '"i":0')));
    expect(verifyAudit(dir, head)).toMatchObject({ ok: false, seq: 40, line: last.line });
  });

  it('reports an unparseable line', async () => {
    const { dir, log, head } = await rotatedLog();
    const bad = locate(log, 7);
    rewriteLines(bad.file, (lines) => lines.map((l, i) => (i === bad.line - 1 ? '{oops' : l)));
    expect(verifyAudit(dir, head)).toMatchObject({
      ok: false,
      file: basename(bad.file),
      line: bad.line,
      seq: 7,
      reason: expect.stringContaining('not a valid audit record'),
    });
  });

  it('keeps the chain intact when the file cap prunes, and fails naming the young records lost', async () => {
    const dir = tempDir();
    const head = memoryHead();
    const log = await openLog(dir, { size: '1k', keep: 2 }, head);
    await write(log, 80);
    await waitFor(() => log.files().length <= 2, 'the cap to remove the old files');
    const verdict = log.verify();
    await log.close();
    expect(existsSync(join(dir, 'audit.1.log'))).toBe(false);
    // The chain itself is whole from the first retained record on…
    const chain = verifyAudit(dir, head.value);
    expect(chain).toMatchObject({ ok: true, lastSeq: head.value!.seq });
    expect(chain.ok && chain.firstSeq).toBeGreaterThan(1);
    // …but records younger than the retention period are gone, and verify says which.
    expect(verdict).toMatchObject({ ok: false, seq: 1, file: null });
    expect(!verdict.ok && verdict.reason).toMatch(
      /^audit records younger than the retention period were deleted .*records 1–\d+ \(/,
    );
    expect(!verdict.ok && verdict.lost?.[0]).toMatchObject({ firstSeq: 1 });
    expect(log.pruning.throughSeq).toBe(chain.ok ? chain.firstSeq! - 1 : -1);
  });

  it('still refuses a first record that claims seq 1 with a non-zero prevHash', async () => {
    const dir = tempDir();
    const log = await openLog(dir);
    await write(log, 3);
    await log.close();
    const [path] = log.files();
    rewriteLines(path!, (lines) => [
      lines[0]!.replace(ZERO_HASH, 'a'.repeat(64)),
      ...lines.slice(1),
    ]);
    expect(verifyAudit(dir)).toMatchObject({ ok: false, line: 1, seq: 1 });
  });
});

describe('audit log files', () => {
  it('never writes a secret, whatever field or text carries it', async () => {
    const dir = tempDir();
    const log = await openLog(dir);
    const key = 'sk-ant-api03-' + 'abcdefghijklmnopqrstuvwxyz0123';
    log.record('provider.key_reminder', { apiKey: key, note: `key ${key} is old`, nested: [key] });
    log.record(`odd ${key}`);
    await log.close();
    const text = log
      .files()
      .map((f) => readFileSync(f, 'utf8'))
      .join('');
    expect(text).not.toContain(key);
    expect(text).not.toContain(key.slice(13));
    expect(text).toContain('sk-ant-…0123');
  });

  it('keeps the directory 0700 and every file 0600', async () => {
    const dir = join(tempDir(), 'audit');
    const log = await openLog(dir, { size: '1k' });
    await write(log, 30);
    await log.close();
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(log.files().length).toBeGreaterThan(1);
    for (const file of log.files()) expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it('continues seq and chain across close and reopen, with the head in SQLite', async () => {
    const dir = tempDir();
    const db = openDatabase({
      path: join(dir, 'aistack.db'),
      synchronous: 'normal',
      busyTimeoutMs: 1000,
      migrations: MIGRATIONS,
    });
    const auditDir = join(dir, 'audit');
    const first = await openLog(auditDir, {}, metaAuditHead(db));
    await write(first, 3);
    await first.close();
    const second = await openLog(auditDir, {}, metaAuditHead(db));
    expect(second.head.seq).toBe(3);
    await write(second, 2);
    await second.close();
    const lines = allLines(second);
    expect(lines.map((l) => l.seq)).toEqual([1, 2, 3, 4, 5]);
    expect(JSON.parse(lines[3]!.text).prevHash).toBe(hashLine(lines[2]!.text));
    expect(metaAuditHead(db).get()).toEqual({ seq: 5, hash: hashLine(lines[4]!.text) });
    expect(verifyAudit(auditDir, metaAuditHead(db).get())).toMatchObject({ ok: true, lastSeq: 5 });
    db.close();
  });

  it('continues from the newest file when no head was saved', async () => {
    const dir = tempDir();
    const first = await openLog(dir, { size: '1k' });
    await write(first, 20);
    await first.close();
    const second = await openLog(dir, { size: '1k' });
    await write(second, 1);
    await second.close();
    expect(verifyAudit(dir)).toMatchObject({ ok: true, firstSeq: 1, lastSeq: 21 });
  });

  it('keeps the gap visible when restarted after its newest records were cut', async () => {
    const { dir, log, head } = await rotatedLog(20);
    const last = locate(log, 20);
    rewriteLines(last.file, (lines) => lines.slice(0, -1));
    const store = memoryHead();
    store.set(head);
    const reopened = await openLog(dir, { size: '1k' }, store);
    reopened.record('after.restart');
    await reopened.close();
    expect(verifyAudit(dir, store.value)).toMatchObject({ ok: false, seq: 21 });
  });

  it('starts a new file, not the oldest one, when a frequency period has passed', async () => {
    const dir = tempDir();
    const first = await openLog(dir, { frequency: 'daily' });
    await write(first, 3);
    await first.close();
    const tomorrow = new Date(Date.now() + 24 * 3600_000);
    expect(prepareFrequencyRoll(dir, 'daily', tomorrow)).toBe(true);
    expect(existsSync(join(dir, 'audit.2.log'))).toBe(true);
    const second = await openLog(dir, { frequency: 'daily' });
    await write(second, 2);
    await second.close();
    expect(readFileSync(join(dir, 'audit.2.log'), 'utf8').split('\n').filter(Boolean)).toHaveLength(
      2,
    );
    expect(verifyAudit(dir)).toMatchObject({ ok: true, records: 5, lastSeq: 5 });
  });

  it('tails the newest records, by type and after a seq', async () => {
    const dir = tempDir();
    const log = await openLog(dir, { size: '1k' });
    await write(log, 10, 'session.start');
    await write(log, 10, 'request.refused');
    expect(log.tail({ limit: 3 }).map((r) => r.seq)).toEqual([18, 19, 20]);
    expect(log.tail({ limit: 3, type: 'session.' }).map((r) => r.seq)).toEqual([8, 9, 10]);
    expect(log.tail({ limit: 50, afterSeq: 17 }).map((r) => r.seq)).toEqual([18, 19, 20]);
    expect(log.tail({ limit: 50, type: 'session', afterSeq: 17 })).toEqual([]);
    expect(log.tail({ limit: 1 })[0]).toMatchObject({
      event: 'request.refused',
      details: { i: 9 },
    });
    await log.close();
  });

  it('drops records after close instead of throwing', async () => {
    const log = await openLog(tempDir());
    await log.close();
    expect(() => log.record('late')).not.toThrow();
  });
});
