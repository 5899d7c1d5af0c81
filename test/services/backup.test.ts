import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { AppError } from '../../src/core/errors.js';
import { RequestGate } from '../../src/core/request-gate.js';
import { BackupService } from '../../src/services/backup/backup.js';
import type { ReopenDatabase } from '../../src/services/backup/backup-restore.js';
import { closeDatabase, openDatabase } from '../../src/store/database.js';
import { MIGRATIONS } from '../../src/store/schema.js';
import { cleanupAll, tempDir } from '../helpers/daemon.js';

afterEach(cleanupAll);

const open = (path: string) =>
  openDatabase({ path, synchronous: 'normal', busyTimeoutMs: 1000, migrations: MIGRATIONS });

function service(
  reopen?: (db: () => Database.Database, swap: Parameters<ReopenDatabase>[0]) => Database.Database,
) {
  const dataDir = tempDir();
  const dbPath = join(dataDir, 'aistack.db');
  let db = open(dbPath);
  const events: { event: string; details?: Record<string, unknown> }[] = [];
  const backups = new BackupService({
    dataDir,
    dbPath,
    audit: { record: (event, details) => events.push({ event, details }) },
    gate: new RequestGate(),
    migrations: MIGRATIONS,
    reopenDatabase: async (swap) => {
      closeDatabase(db);
      if (reopen) return reopen(() => (db = open(dbPath)), swap);
      swap.apply();
      return (db = open(dbPath));
    },
  });
  const meta = (value: string) =>
    db.prepare("INSERT OR REPLACE INTO daemon_meta VALUES ('marker', ?)").run(value);
  const marker = () =>
    db.prepare("SELECT value FROM daemon_meta WHERE key = 'marker'").pluck().get();
  return { dataDir, dbPath, backups, events, meta, marker, close: () => closeDatabase(db) };
}

describe('BackupService', () => {
  it('puts the previous database back when the restored one cannot be opened', async () => {
    const s = service((reopenOld, swap) => {
      swap.apply();
      swap.undo(); // what the daemon does when opening the restored file fails
      reopenOld();
      throw new AppError('CONFLICT', 'not restored: simulated open failure');
    });
    s.meta('before backup');
    const { path } = await s.backups.backupTo(join(tempDir(), 'b.db'));
    s.meta('live');
    const err = await s.backups.restore(path).catch((e: unknown) => e);
    expect((err as AppError).message).toMatch(/simulated open failure/);
    expect(s.marker()).toBe('live');
    expect(readdirSync(s.dataDir).sort()).toEqual([
      'aistack.db',
      'aistack.db-shm',
      'aistack.db-wal',
    ]);
    expect(s.events.at(-1)).toMatchObject({ event: 'backup.restore_refused' });
    s.close();
  });

  it('restores a snapshot, keeping the replaced database beside it', async () => {
    const s = service();
    s.meta('in the backup');
    const { path } = await s.backups.backupTo(join(tempDir(), 'b.db'));
    s.meta('only in the replaced one');
    const result = await s.backups.restore(path);
    expect(s.marker()).toBe('in the backup');
    expect(readdirSync(s.dataDir)).toContain(result.keptAs.split('/').at(-1));
    s.close();
  });

  it('prunes only the backups it named, keeping the newest', async () => {
    const s = service();
    const dir = join(s.dataDir, 'backups');
    mkdirSync(dir, { mode: 0o700 });
    writeFileSync(join(dir, 'notes.txt'), 'mine');
    writeFileSync(join(dir, 'aistack-by-hand.db'), 'mine too');
    const made = [];
    for (let i = 0; i < 3; i++) made.push(await s.backups.backupNow({ keep: 2 }));
    expect(readdirSync(dir).sort()).toEqual(
      [
        'aistack-by-hand.db',
        'notes.txt',
        ...made.slice(1).map((m) => m.path.split('/').at(-1)!),
      ].sort(),
    );
    expect(made[2]!.pruned).toEqual([made[0]!.path]);
    expect(s.backups.latest()?.path).toBe(made[2]!.path);
    s.close();
  });
});
