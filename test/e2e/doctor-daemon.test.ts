/**
 * `system.doctor` through the real daemon over its socket: a burst of refusals made by a
 * client trips the anomaly check (naming the session), and a marked run moves the
 * window past it; Node's end of life follows the daemon's clock; the backup checks trip
 * on a 0644 backup, a stale one, one that fails verification and one holding sessions,
 * and pass on a fresh private one.
 */
import { chmodSync, openSync, utimesSync, writeSync, closeSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { AistackClient } from '../../src/clients/client.js';
import type { ResultOf } from '../../src/protocol/table.js';
import { auditRecords } from '../helpers/audit.js';
import { cleanupAll, startDaemon } from '../helpers/daemon.js';
import { openSession } from '../helpers/session.js';

afterEach(cleanupAll);

type Report = ResultOf<'system.doctor'>;
const byName = (r: Report) => Object.fromEntries(r.checks.map((c) => [c.name, c]));
const statuses = (r: Report) => Object.fromEntries(r.checks.map((c) => [c.name, c.status]));

/** Every WARN and FAIL names its fix. */
function expectFixes(r: Report): void {
  for (const c of r.checks) {
    if (c.status === 'PASS') expect(c.fix, c.name).toBeNull();
    else expect(c.fix, c.name).toMatch(/\w{3}/);
  }
}

async function doctor(c: AistackClient, mark = false): Promise<Report> {
  const r = await c.call('system.doctor', { mark }, 60_000);
  expectFixes(r);
  return r;
}

describe('system.doctor: anomalies', () => {
  it('a burst of refused cross-session reads warns and names the session; a marked run moves the window', async () => {
    // Every refusal its own record, so the burst is in the log at once.
    const d = await startDaemon({ config: { audit: { aggregateWindowSeconds: 0 } } });
    const c = await d.client();
    const owner = await openSession(c);
    const intruder = await openSession(c);
    await c.call('memory.store', {
      key: 'k',
      content: 'private',
      namespace: owner.namespace,
      ...owner.creds,
    });
    const tryRead = () =>
      c.call('memory.get', { key: 'k', namespace: owner.namespace, ...intruder.creds }).then(
        () => 'read',
        () => 'refused',
      );

    for (let i = 0; i < 3; i++) expect(await tryRead()).toBe('refused');
    const calm = await doctor(c);
    expect(byName(calm).anomalies).toMatchObject({
      status: 'PASS',
      detail: expect.stringMatching(/3 refusals/),
    });
    expect(calm.anomalyWindow.from).toBe('24h');

    for (let i = 0; i < 15; i++) expect(await tryRead()).toBe('refused');
    const burst = await doctor(c, true);
    expect(byName(burst).anomalies).toMatchObject({
      status: 'WARN',
      detail: expect.stringContaining(`18 refusals in`),
    });
    expect(byName(burst).anomalies!.detail).toContain(`session ${intruder.id} (18)`);

    // The marked run starts the next window: what it reported is not reported again.
    const after = await doctor(c);
    expect(after.anomalyWindow.from).toBe('last-run');
    expect(after.anomalyWindow.since).toBe(burst.anomalyWindow.until);
    expect(byName(after).anomalies!.status).toBe('PASS');
  });

  it('is refused to a token without the admin scope, and the refusal is audited', async () => {
    const d = await startDaemon();
    const c = await d.client();
    const { token } = await c.call('token.create', { name: 'reader', scopes: ['system:read'] });
    const reader = await AistackClient.connect(d.socketPath, { token });
    await expect(reader.call('system.doctor', {})).rejects.toMatchObject({
      data: { code: 'FORBIDDEN' },
    });
    reader.close();
    expect(
      auditRecords(d).filter((r) => r.code === 'FORBIDDEN' && r.method === 'system.doctor'),
    ).toHaveLength(1);
  });
});

describe('system.doctor: dependencies', () => {
  it("Node's end of life follows the daemon's clock", async () => {
    const past = await startDaemon({ clock: () => Date.parse('2022-01-01T00:00:00Z') });
    const early = byName(await doctor(await past.client()));
    expect(early['node-eol']!.status).toBe('PASS');
    expect(early.sqlite!.status).toBe('PASS');
    expect(early['native-module']!.status).toBe('PASS');

    const future = await startDaemon({ clock: () => Date.parse('2031-01-01T00:00:00Z') });
    const late = byName(await doctor(await future.client()));
    expect(late['node-eol']).toMatchObject({
      status: 'WARN',
      detail: expect.stringMatching(
        new RegExp(`Node.js ${process.versions.node}: its line reached end of life`),
      ),
    });
  });
});

describe('system.doctor: backups', () => {
  it('passes on a fresh private backup; trips on 0644, stale, corrupt and session-holding ones', async () => {
    const d = await startDaemon();
    const c = await d.client();
    expect(statuses(await doctor(c))).toMatchObject({ backup: 'WARN', 'backup-verify': 'PASS' });

    const { path } = await c.call('backup.create', {});
    expect(statuses(await doctor(c))).toMatchObject({
      backup: 'PASS',
      'backup-mode': 'PASS',
      'backup-verify': 'PASS',
      'backup-sessions': 'PASS',
    });

    chmodSync(path, 0o644);
    const loose = byName(await doctor(c))['backup-mode']!;
    expect(loose).toMatchObject({
      status: 'FAIL',
      detail: expect.stringContaining(`${path} is 0644`),
    });
    expect(loose.fix).toMatch(/chmod 600/);
    chmodSync(path, 0o600);

    const tenDaysAgo = (Date.now() - 10 * 86_400_000) / 1000;
    utimesSync(path, tenDaysAgo, tenDaysAgo);
    expect(byName(await doctor(c)).backup).toMatchObject({
      status: 'WARN',
      detail: expect.stringMatching(
        /newest backup is 10\.0 days old \(limit security\.maxBackupAgeDays = 7\)/,
      ),
    });

    // Garbage over the pages after the header: the file no longer verifies.
    const fd = openSync(path, 'r+');
    writeSync(fd, Buffer.alloc(8192, 0xa5), 0, 8192, 4096);
    closeSync(fd);
    expect(byName(await doctor(c))['backup-verify']).toMatchObject({
      status: 'FAIL',
      detail: expect.stringContaining(`${path} does not verify`),
    });

    const s = await openSession(c);
    await c.call('memory.store', {
      key: 'p',
      content: 'private',
      namespace: s.namespace,
      ...s.creds,
    });
    await c.call('backup.create', { includeSessions: true });
    const held = byName(await doctor(c));
    expect(held['backup-verify']!.status).toBe('PASS');
    expect(held['backup-sessions']).toMatchObject({
      status: 'WARN',
      detail: expect.stringMatching(
        /holds session-private data: 1 session\(s\) with their token hashes, 1 entry\(ies\) of session:\* namespaces/,
      ),
    });
  });
});
