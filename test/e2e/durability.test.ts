import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { cleanupAll, connectTo, spawnDaemon, tempDir } from '../helpers/daemon.js';
import { namespaceContents } from '../helpers/entries.js';
import { openSession } from '../helpers/session.js';

afterEach(cleanupAll);

const STORES = 2000;
const NAMESPACE = 'durability';
const contentOf = (i: number) =>
  `entry ${i} ` + 'acknowledged means durable; '.repeat(1 + (i % 40));

describe('durability', () => {
  it('keeps every acknowledged memory.store across kill -9 of the daemon, and the database passes integrity_check', async () => {
    const dir = tempDir();
    const first = await spawnDaemon(dir);
    const client = await connectTo(first, { timeoutMs: 20_000 });
    const session = await openSession(client, { client: 'durability-test' });

    const acknowledged = new Map<string, string>();
    /** Acknowledged entries in the order their replies came (the last ones most likely still await indexing). */
    const order: number[] = [];
    let next = 0;
    const writer = async () => {
      while (next < STORES) {
        const i = next++;
        const key = `k-${i}`;
        const reply = await client.call('memory.store', {
          key,
          content: contentOf(i),
          namespace: NAMESPACE,
          tags: [`t${i % 7}`],
          ...session.creds,
        });
        expect(reply.entry.namespace).toBe(NAMESPACE);
        acknowledged.set(key, contentOf(i));
        order.push(i);
      }
    };
    await Promise.all(Array.from({ length: 16 }, writer));
    expect(acknowledged.size).toBe(STORES);

    // Writes still in flight when the daemon dies: they may or may not land, never half.
    const unacknowledged = Array.from({ length: 64 }, (_, j) =>
      client
        .call('memory.store', {
          key: `late-${j}`,
          content: contentOf(j),
          namespace: NAMESPACE,
          ...session.creds,
        })
        .catch(() => undefined),
    );
    first.child.kill('SIGKILL');
    await first.exited;
    await Promise.all(unacknowledged);
    client.close();

    const second = await spawnDaemon(dir);
    const c2 = await connectTo(second, { timeoutMs: 20_000 });
    const found = await namespaceContents(c2, NAMESPACE);
    const missing = [...acknowledged.keys()].filter((k) => !found.has(k));
    expect(missing).toEqual([]);
    const wrong = [...acknowledged].filter(([k, content]) => found.get(k) !== content);
    expect(wrong).toEqual([]);
    for (const [key, content] of found) {
      if (key.startsWith('late-')) expect(content).toBe(contentOf(Number(key.slice(5))));
    }
    // Search goes through the FTS index, which must have survived with its rows — the
    // last acknowledged entries too, whose full-text rows were still to be written behind
    // (src/store/memory/fts-pending.ts) when the daemon died.
    const hits = await c2.call('memory.search', {
      query: 'durable',
      namespace: NAMESPACE,
      limit: 1,
    });
    expect(hits.results.length).toBe(1);
    const unfound: number[] = [];
    for (const i of order.slice(-100)) {
      const r = await c2.call('memory.search', {
        query: `entry ${i}`,
        namespace: NAMESPACE,
        limit: 20,
      });
      if (!r.results.some((hit) => hit.entry.key === `k-${i}`)) unfound.push(i);
    }
    expect(unfound).toEqual([]);
    expect(await c2.call('system.health')).toMatchObject({ ok: true });
    c2.close();

    const db = new Database(join(second.dataDir, 'aistack.db'), { readonly: true });
    try {
      expect(db.pragma('integrity_check')).toEqual([{ integrity_check: 'ok' }]);
      expect(
        db
          .prepare('SELECT count(*) FROM memory_entries WHERE namespace = ?')
          .pluck()
          .get(NAMESPACE),
      ).toBe(found.size);
    } finally {
      db.close();
    }
  }, 60_000);
});
