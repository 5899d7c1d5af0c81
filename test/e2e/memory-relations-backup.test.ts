/**
 * Links and history in backups: a default backup leaves the sessions' links and history
 * out with their entries (no private key or text survives in the copy), and a restore
 * brings back the shared ones, which work as before.
 */
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { count, query } from '../helpers/backup-files.js';
import { cleanupAll, startDaemon, tempDir } from '../helpers/daemon.js';
import { openSession } from '../helpers/session.js';

afterEach(cleanupAll);

type Ref = { key: string; namespace?: string };

describe('links and history in backups', () => {
  it("leaves a session's links and history out of a default backup, and restores the shared ones", async () => {
    const d = await startDaemon();
    const c = await d.client();
    const s = await openSession(c);
    const word = 'okapiwombatmarimba';
    await c.call('memory.store', { key: 'diary', content: `first ${word}`, ...s.creds });
    await c.call('memory.store', { key: 'diary', content: 'second', ...s.creds });
    await c.call('memory.store', { key: 'a', namespace: 'kb', content: 'old a', ...s.creds });
    await c.call('memory.store', { key: 'a', namespace: 'kb', content: 'new a', ...s.creds });
    await c.call('memory.store', { key: 'b', namespace: 'kb', content: 'b', ...s.creds });
    const link = (from: Ref, to: Ref) =>
      c.call('memory.link', { from, to, type: 'rel', ...s.creds });
    await link({ namespace: 'kb', key: 'a' }, { namespace: 'kb', key: 'b' });
    await link({ namespace: 'kb', key: 'a' }, { key: 'diary' });
    await link({ key: 'diary' }, { namespace: 'kb', key: 'b' });

    const { path } = await c.call('backup.create', { out: join(tempDir(), 'default.db') });
    expect(count(path, 'SELECT count(*) FROM memory_links')).toBe(1);
    expect(query(path, 'SELECT namespace, key, version FROM memory_history')).toEqual([
      { namespace: 'kb', key: 'a', version: 1 },
    ]);
    expect(count(path, "SELECT count(*) FROM memory_history WHERE content LIKE '%okapi%'")).toBe(0);

    // Change everything, then restore: the shared link and history are back, and work.
    await c.call('memory.delete', { key: 'b', namespace: 'kb', ...s.creds });
    await c.call('memory.store', { key: 'a', namespace: 'kb', content: 'newest a', ...s.creds });
    await c.call('backup.restore', { file: path });
    const walk = await c.call('memory.related', { key: 'a', namespace: 'kb' });
    expect(walk.nodes.map((n) => n.key)).toEqual(['a', 'b']);
    expect(walk.edges).toHaveLength(1);
    const h = await c.call('memory.history', { key: 'a', namespace: 'kb' });
    expect(h).toMatchObject({ current: 2, versions: [{ version: 1, preview: 'old a' }] });
    const s2 = await openSession(c);
    const restored = await c.call('memory.restoreVersion', {
      key: 'a',
      namespace: 'kb',
      version: 1,
      ...s2.creds,
    });
    expect(restored.entry).toMatchObject({ version: 3, content: 'old a' });
  });
});
