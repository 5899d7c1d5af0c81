/**
 * No session outlives its end through a backup: a restore ends every session (the
 * backup's and the daemon's), and a backup leaves sessions out unless asked, on the copy
 * only — by hand, from the CLI, and in the scheduled job as its config says.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { auditRecords } from '../helpers/audit.js';
import { cli, count, refusal, storeIn } from '../helpers/backup-files.js';
import { cleanupAll, startDaemon, tempDir } from '../helpers/daemon.js';
import { openSession } from '../helpers/session.js';

afterEach(cleanupAll);

const SHARED = 'shared-notes';

describe('sessions and backups', () => {
  it('a session ended after a backup stays ended after restoring that backup: its token is refused and its entries are gone', async () => {
    const d = await startDaemon();
    const c = await d.client();
    const ended = await openSession(c);
    const ongoing = await openSession(c);
    await storeIn(c, ended, 'private-of-ended');
    await storeIn(c, ongoing, 'private-of-ongoing');
    const { path } = await c.call('backup.create', {
      out: join(tempDir(), 'with-sessions.db'),
      includeSessions: true,
    });
    // The file does hold both sessions, their tokens' hashes and their entries.
    expect(count(path, 'SELECT count(*) FROM sessions WHERE ended_at IS NULL')).toBe(2);
    expect(
      count(path, "SELECT count(*) FROM memory_entries WHERE namespace LIKE 'session:%'"),
    ).toBe(2);
    await c.call('session.end', ended.creds);

    const restore = await c.call('backup.restore', { file: path });
    expect(restore.sessionsEnded).toEqual({ fromBackup: 2, entries: 2, live: 1 });

    for (const s of [ended, ongoing]) {
      const err = await refusal(c.call('memory.store', { key: 'again', content: 'x', ...s.creds }));
      expect(err.code).toBe('SESSION_INVALID');
      const read = await refusal(c.call('memory.get', { key: 'private-of-ended', ...s.creds }));
      expect(read.code).toBe('SESSION_INVALID');
    }
    expect(
      d.daemon.db
        .prepare("SELECT count(*) FROM memory_entries WHERE namespace LIKE 'session:%'")
        .pluck()
        .get(),
    ).toBe(0);
    const { sessions } = await c.call('session.list', { includeEnded: true });
    expect(sessions.filter((x) => x.endedAt === null)).toEqual([]);
    expect(sessions.find((x) => x.id === ended.id)).toMatchObject({ endReason: 'restored' });
    expect(auditRecords(d).find((e) => e.event === 'backup.restored')).toMatchObject({
      sessionsEnded: { fromBackup: 2, entries: 2, live: 1 },
    });
  });

  it('a default backup leaves out every session, its private entries and every trace of their words; --include-sessions keeps them; the live database keeps them either way', async () => {
    const d = await startDaemon();
    const c = await d.client();
    const s = await openSession(c);
    const word = 'zebraquokkaxylophone';
    await c.call('memory.store', { key: 'diary', content: `my ${word} secret`, ...s.creds });
    await c.call('agent.spawn', { type: 'coder', ...s.creds });
    await storeIn(c, s, 'public', SHARED);
    const dir = tempDir();
    const without = join(dir, 'default.db');
    const made = await cli(d, ['backup', '--out', without]);
    expect(made.stderr).toBe('');
    expect(made.stdout).toMatch(/left out 1 session and 1 private entry, /);
    const withSessions = join(dir, 'with.db');
    expect((await cli(d, ['backup', '--include-sessions', '--out', withSessions])).code).toBe(0);

    const privateRows = "SELECT count(*) FROM memory_entries WHERE namespace LIKE 'session:%'";
    expect(count(without, privateRows)).toBe(0);
    expect(count(without, 'SELECT count(*) FROM sessions')).toBe(0);
    expect(count(without, 'SELECT count(*) FROM agents')).toBe(0);
    expect(count(without, 'SELECT count(*) FROM memory_tags')).toBe(0);
    expect(count(without, 'SELECT count(*) FROM memory_fts WHERE memory_fts MATCH ?', word)).toBe(
      0,
    );
    expect(readFileSync(without).includes(word)).toBe(false);
    expect(count(without, 'SELECT count(*) FROM memory_entries WHERE namespace = ?', SHARED)).toBe(
      1,
    );
    expect((await c.call('backup.verify', { file: without })).schema?.matches).toBe(true);

    expect(count(withSessions, privateRows)).toBe(1);
    expect(count(withSessions, 'SELECT count(*) FROM sessions')).toBe(1);
    expect(count(withSessions, 'SELECT count(*) FROM agents')).toBe(1);
    expect(readFileSync(withSessions).includes(word)).toBe(true);

    // Taken from a copy: the session and its entry are still in the live database.
    expect((await c.call('memory.get', { key: 'diary', ...s.creds })).entry.content).toContain(
      word,
    );
    const created = auditRecords(d).filter((e) => e.event === 'backup.created');
    expect(created.map((e) => [e.includeSessions, e.leftOut])).toEqual([
      [false, { sessions: 1, entries: 1, agents: 1, tasks: 0 }],
      [true, { sessions: 0, entries: 0, agents: 0, tasks: 0 }],
    ]);
  });

  it.each([
    [undefined, 0],
    [true, 1],
  ])(
    'the scheduled backup job follows jobs.backup.includeSessions (%s)',
    async (includeSessions, sessionsInFile) => {
      const d = await startDaemon({
        config: { jobs: { backup: { ...(includeSessions !== undefined && { includeSessions }) } } },
      });
      const c = await d.client();
      const s = await openSession(c);
      await storeIn(c, s, 'private');
      const run = await c.call('jobs.run', { name: 'backup' });
      expect(run).toMatchObject({ ok: true });
      const [name] = readdirSync(join(d.dataDir, 'backups'));
      const file = join(d.dataDir, 'backups', name!);
      expect(count(file, 'SELECT count(*) FROM sessions')).toBe(sessionsInFile);
      expect(
        count(file, "SELECT count(*) FROM memory_entries WHERE namespace LIKE 'session:%'"),
      ).toBe(sessionsInFile);
    },
  );
});
