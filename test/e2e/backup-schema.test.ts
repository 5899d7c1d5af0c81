/**
 * A backup file is data, never schema: `backup verify` reports every difference between
 * a file's schema and aistack's, a restore leaves out what is not aistack's (an injected
 * trigger, view or index) and rebuilds the rest from the rows, and a file whose tables or
 * rows do not fit aistack's is refused with the running database untouched.
 */
import { copyFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { diffSchema, expectedSchema, readSchema } from '../../src/store/schema-diff.js';
import { MIGRATIONS } from '../../src/store/schema.js';
import { auditRecords } from '../helpers/audit.js';
import { cli, count, refusal, storeIn, tamper } from '../helpers/backup-files.js';
import { cleanupAll, startDaemon, tempDir, type TestDaemon } from '../helpers/daemon.js';
import { namespaceContents } from '../helpers/entries.js';
import { openSession } from '../helpers/session.js';

afterEach(cleanupAll);

const SHARED = 'shared-notes';

/** The trigger a crafted backup carries: it copies every private write into "leak". */
const LEAK_TRIGGER = `CREATE TRIGGER leak_sessions AFTER INSERT ON memory_entries
  WHEN new.namespace LIKE 'session:%'
  BEGIN
    INSERT INTO memory_entries (id, namespace, key, content, created_at, updated_at)
    VALUES (new.id || '-leak', 'leak', new.namespace || '/' || new.key, new.content,
            new.created_at, new.updated_at);
  END`;

/** The live database's schema compared with what aistack's migrations create: []. */
const liveSchemaDifferences = (d: TestDaemon) =>
  diffSchema(
    readSchema(d.daemon.db),
    expectedSchema(
      MIGRATIONS,
      MIGRATIONS.map((m) => m.version),
    ),
  );

describe('a backup file is data, never schema', () => {
  it('reports a trigger injected into a backup, restores without it, and a private write after the restore lands nowhere else', async () => {
    const d = await startDaemon();
    const c = await d.client();
    const s = await openSession(c);
    await storeIn(c, s, 'public', SHARED);
    const dir = tempDir();
    const { path } = await c.call('backup.create', { out: join(dir, 'crafted.db') });
    tamper(path, LEAK_TRIGGER);

    // The trigger works wherever the file's schema is used.
    const control = join(dir, 'control.db');
    copyFileSync(path, control);
    tamper(
      control,
      "INSERT INTO memory_entries (id, namespace, key, content, created_at, updated_at) VALUES ('x', 'session:someone', 'k', 'secret', 0, 0)",
    );
    expect(count(control, "SELECT count(*) FROM memory_entries WHERE namespace = 'leak'")).toBe(1);

    const verify = await c.call('backup.verify', { file: path });
    expect(verify).toMatchObject({ ok: true, integrity: 'ok', problems: [] });
    expect(verify.schema?.matches).toBe(false);
    expect(verify.schema?.differences).toEqual([
      {
        difference: 'extra',
        type: 'trigger',
        name: 'leak_sessions',
        table: 'memory_entries',
        sql: expect.stringContaining("'leak'"),
        onRestore: 'left out',
      },
    ]);
    const printed = await cli(d, ['backup', 'verify', path]);
    expect(printed.stdout).toMatch(/extra trigger leak_sessions on memory_entries: left out/);

    const restore = await c.call('backup.restore', { file: path });
    expect(restore.leftOut).toEqual(['trigger leak_sessions']);
    expect(liveSchemaDifferences(d)).toEqual([]);
    expect(
      d.daemon.db.prepare("SELECT name FROM sqlite_master WHERE name = 'leak_sessions'").all(),
    ).toEqual([]);

    const after = await openSession(c);
    await storeIn(c, after, 'private-after-restore');
    expect(
      (await c.call('memory.get', { key: 'private-after-restore', ...after.creds })).entry,
    ).toMatchObject({ namespace: after.namespace });
    expect((await namespaceContents(c, 'leak')).size).toBe(0);
    expect(
      d.daemon.db
        .prepare('SELECT namespace FROM memory_entries WHERE key LIKE ?')
        .pluck()
        .all('%private-after-restore%'),
    ).toEqual([after.namespace]);
    expect((await namespaceContents(c, SHARED)).get('public')).toBe('content of public');
    expect(auditRecords(d).find((e) => e.event === 'backup.restored')).toMatchObject({
      leftOut: ['trigger leak_sessions'],
    });
  });

  it('leaves out an injected view and index, recreates an index the file dropped, and rebuilds the full-text index from the entries', async () => {
    const d = await startDaemon();
    const c = await d.client();
    const s = await openSession(c);
    await storeIn(c, s, 'findable', SHARED);
    const { path } = await c.call('backup.create', { out: join(tempDir(), 'b.db') });
    tamper(
      path,
      `CREATE VIEW everything AS SELECT namespace, key, content FROM memory_entries;
       CREATE INDEX sneaky ON memory_entries (content);
       DROP INDEX memory_entries_updated;
       INSERT INTO memory_fts (memory_fts) VALUES ('delete-all');`,
    );

    const verify = await c.call('backup.verify', { file: path });
    expect(verify.ok).toBe(true);
    const seen = verify.schema!.differences.map((x) => [x.difference, x.type, x.name, x.onRestore]);
    expect(seen).toEqual(
      expect.arrayContaining([
        ['extra', 'view', 'everything', 'left out'],
        ['extra', 'index', 'sneaky', 'left out'],
        ['missing', 'index', 'memory_entries_updated', 'recreated'],
      ]),
    );
    expect(seen).toHaveLength(3);

    const restore = await c.call('backup.restore', { file: path });
    expect([...restore.leftOut].sort()).toEqual(['index sneaky', 'view everything']);
    expect(liveSchemaDifferences(d)).toEqual([]);
    // The file's index was emptied; the restored one was made from the entries.
    const found = await c.call('memory.search', { query: 'findable', namespace: SHARED });
    expect(found.results.map((r) => r.entry.key)).toEqual(['findable']);
  });

  it('refuses a backup whose table was altered, says why, and keeps serving the current database', async () => {
    const d = await startDaemon();
    const c = await d.client();
    const s = await openSession(c);
    await storeIn(c, s, 'in-backup', SHARED);
    const { path } = await c.call('backup.create', { out: join(tempDir(), 'b.db') });
    tamper(path, 'ALTER TABLE memory_entries ADD COLUMN smuggled TEXT');
    await storeIn(c, s, 'after-backup', SHARED);

    const verify = await c.call('backup.verify', { file: path });
    expect(verify.ok).toBe(false);
    expect(verify.problems).toContain(
      'table(s) not defined as aistack defines them: memory_entries',
    );
    expect(verify.schema?.differences).toEqual([
      expect.objectContaining({
        difference: 'different',
        type: 'table',
        name: 'memory_entries',
        sql: expect.stringContaining('smuggled'),
        onRestore: 'refused',
      }),
    ]);
    const err = await refusal(c.call('backup.restore', { file: path }));
    expect(err.code).toBe('CONFLICT');
    expect(err.message).toMatch(/not restored: .* memory_entries/);
    expect(auditRecords(d).find((e) => e.event === 'backup.restore_refused')).toMatchObject({
      file: path,
      code: 'CONFLICT',
    });
    // Untouched: the entry written after the backup and the session are still there.
    expect([...(await namespaceContents(c, SHARED)).keys()].sort()).toEqual([
      'after-backup',
      'in-backup',
    ]);
    await storeIn(c, s, 'still-works');
    expect(readdirSync(d.dataDir).filter((n) => /\.tmp|\.bak$/.test(n))).toEqual([]);
  });
  it.each([
    [
      'tags that are not a JSON array',
      "UPDATE memory_entries SET tags = 'not json'",
      /tags that are not a JSON array/,
    ],
    [
      'a tag of an entry that does not exist',
      "PRAGMA foreign_keys = OFF; INSERT INTO memory_tags (tag, entry_rowid) VALUES ('orphan', 999999)",
      /memory_tags: FOREIGN KEY constraint failed/,
    ],
  ])(
    "refuses a backup whose rows do not fit aistack's tables (%s), and keeps the current database",
    async (_what, sql, reason) => {
      const d = await startDaemon();
      const c = await d.client();
      const s = await openSession(c);
      await storeIn(c, s, 'in-backup', SHARED);
      const { path } = await c.call('backup.create', { out: join(tempDir(), 'b.db') });
      tamper(path, sql);
      await storeIn(c, s, 'after-backup', SHARED);
      const err = await refusal(c.call('backup.restore', { file: path }));
      expect(err.code).toBe('CONFLICT');
      expect(err.message).toMatch(/not restored: the rows of .* could not be rebuilt/);
      expect(err.message).toMatch(reason);
      expect(auditRecords(d).filter((e) => e.event === 'backup.restore_refused')).toHaveLength(1);
      expect([...(await namespaceContents(c, SHARED)).keys()].sort()).toEqual([
        'after-backup',
        'in-backup',
      ]);
      await storeIn(c, s, 'still-works');
      expect(readdirSync(d.dataDir).filter((n) => /\.tmp|\.bak$/.test(n))).toEqual([]);
    },
  );
});
