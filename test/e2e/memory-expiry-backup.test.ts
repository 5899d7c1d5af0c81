/**
 * Expiry and tombstones in backups: a default backup leaves a session's tombstones out
 * with its entries, keeps the shared ones and every expiry, and a restore brings them
 * back working — memory.changes reports the shared delete, the restored entry still
 * expires.
 */
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { count, query } from '../helpers/backup-files.js';
import { cleanupAll, startDaemon, tempDir } from '../helpers/daemon.js';
import { openSession } from '../helpers/session.js';

afterEach(cleanupAll);

describe('expiry and tombstones in backups', () => {
  it("leaves a session's tombstones out of a default backup; a restore keeps shared deletions and expiries", async () => {
    const d = await startDaemon();
    const c = await d.client();
    const s = await openSession(c);
    const since = new Date(Date.now() - 1000).toISOString();
    await c.call('memory.storeMany', {
      items: [
        { key: 'secret-key-name', content: 'private' },
        { key: 'gone', content: 'shared', namespace: 'kb' },
        { key: 'later', content: 'expires', namespace: 'kb', expiresAt: '2999-01-01T00:00:00Z' },
      ],
      ...s.creds,
    });
    await c.call('memory.deleteMany', {
      items: [{ key: 'secret-key-name' }, { key: 'gone', namespace: 'kb' }],
      ...s.creds,
    });

    const { path } = await c.call('backup.create', { out: join(tempDir(), 'default.db') });
    expect(query(path, 'SELECT namespace, key, reason FROM memory_tombstones')).toEqual([
      { namespace: 'kb', key: 'gone', reason: 'deleted' },
    ]);
    expect(count(path, "SELECT count(*) FROM memory_tombstones WHERE key LIKE 'secret%'")).toBe(0);
    expect(count(path, 'SELECT count(*) FROM memory_entries WHERE expires_at IS NOT NULL')).toBe(1);

    await c.call('memory.store', { key: 'gone', namespace: 'kb', content: 'back', ...s.creds });
    await c.call('backup.restore', { file: path });
    const changes = await c.call('memory.changes', { since, namespace: 'kb' });
    expect(changes.changes.map((x) => [x.kind, x.key])).toEqual([
      ['created', 'later'],
      ['deleted', 'gone'],
    ]);
    const later = await c.call('memory.get', { key: 'later', namespace: 'kb' });
    expect(later.entry.expiresAt).toBe('2999-01-01T00:00:00.000Z');
  });
});
