/**
 * Relations, history and append through the official MCP client (issue #18): the tools
 * generated from the method table, each connection with its own session — a chain with
 * a cycle walked to depth 2, another connection's private entry neither shown nor
 * linkable, history restored and gone with its session, and appends from 8 connections.
 */
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { query } from '../helpers/backup-files.js';
import { startDaemon } from '../helpers/daemon.js';
import {
  callOk,
  closeShimsAndCleanup,
  daemonAndTwoShims,
  dataOf,
  spawnShim,
  textOf,
} from '../helpers/mcp.js';

afterEach(closeShimsAndCleanup);

const nodeKeys = (r: { nodes: { key: string; depth: number }[] }) =>
  r.nodes.map((n) => `${n.key}@${n.depth}`).sort();

describe('MCP: relations, history and append', () => {
  it('walks a chain with a cycle to depth 2; another connection sees no trace of a private entry and cannot link to it', async () => {
    const { a, b } = await daemonAndTwoShims();
    const ns = 'kb';
    for (const key of ['x', 'y', 'z'])
      await callOk(a, 'memory_store', { key, namespace: ns, content: `about ${key}` });
    const link = (from: string, to: string) =>
      callOk(a, 'memory_link', {
        from: { key: from, namespace: ns },
        to: { key: to, namespace: ns },
        type: 'next',
      });
    await link('x', 'y');
    await link('y', 'z');
    const cycle = await a.call('memory_link', {
      from: { key: 'z', namespace: ns },
      to: { key: 'x', namespace: ns },
      type: 'next',
    });
    expect(textOf(cycle)).toBe('Linked "z" in kb -[next]-> "x" in kb.');
    const walked = await a.call('memory_related', {
      key: 'x',
      namespace: ns,
      depth: 2,
      direction: 'out',
    });
    expect(nodeKeys(dataOf(walked))).toEqual(['x@0', 'y@1', 'z@2']);
    expect(textOf(walked)).toContain('- [2] "z" in kb: about z');

    // A's private entry, linked from the shared x.
    await callOk(a, 'memory_store', { key: 'secret', content: 'private to a' });
    const { session } = await callOk(a, 'session_status', {});
    await callOk(a, 'memory_link', {
      from: { key: 'x', namespace: ns },
      to: { key: 'secret' },
      type: 'see',
    });
    expect(nodeKeys(await callOk(a, 'memory_related', { key: 'x', namespace: ns }))).toContain(
      'secret@1',
    );

    const seen = await callOk(b, 'memory_related', { key: 'x', namespace: ns, depth: 5 });
    expect(nodeKeys(seen)).toEqual(['x@0', 'y@1', 'z@1']);
    expect(JSON.stringify(seen)).not.toContain(session.namespace);
    expect(JSON.stringify(seen)).not.toContain('secret');
    const refused = await b.call('memory_link', {
      from: { key: 'x', namespace: ns },
      to: { key: 'secret', namespace: session.namespace },
      type: 'see',
    });
    expect(refused.isError).toBe(true);
    expect(textOf(refused)).toBe(
      `memory_link failed: no entry with key "secret" in namespace ${session.namespace} [NOT_FOUND]`,
    );
  });

  it('keeps history, restores a version, and the history of a private entry goes when the session ends', async () => {
    const d = await startDaemon();
    const a = await spawnShim({ socketPath: d.socketPath });
    await callOk(a, 'memory_store', { key: 'note', content: 'draft one' });
    await callOk(a, 'memory_store', { key: 'note', content: 'draft two' });
    await callOk(a, 'memory_append', { key: 'note', content: 'and a tail' });
    const h = await a.call('memory_history', { key: 'note' });
    expect(dataOf(h).versions.map((v: { version: number }) => v.version)).toEqual([2, 1]);
    expect(textOf(h)).toContain('current version 3; 2 earlier versions kept');
    const restored = await callOk(a, 'memory_restore_version', { key: 'note', version: 1 });
    expect(restored.entry).toMatchObject({ version: 4, content: 'draft one' });
    const { session } = await callOk(a, 'session_status', {});

    const historyRows = () =>
      query(
        join(d.dataDir, 'aistack.db'),
        'SELECT count(*) AS n FROM memory_history WHERE namespace = ?',
        session.namespace,
      );
    expect(historyRows()).toEqual([{ n: 3 }]);

    const ended = await callOk(a, 'session_end', {});
    expect(ended.ended).toBe(true);
    const c = await d.client();
    const { sessions } = await c.call('session.list', { includeEnded: true });
    expect(sessions.find((s) => s.id === session.id)?.endedAt).not.toBeNull();
    // Nothing of the ended session's history is left in the file.
    expect(historyRows()).toEqual([{ n: 0 }]);
  });

  it('appends from 8 MCP connections at once lose no text', async () => {
    const d = await startDaemon();
    const shims = await Promise.all(
      Array.from({ length: 8 }, (_, i) => spawnShim({ socketPath: d.socketPath, name: `t${i}` })),
    );
    const per = 5;
    await Promise.all(
      shims.map(async (s, i) => {
        for (let n = 0; n < per; n++)
          await callOk(s, 'memory_append', {
            key: 'log',
            namespace: 'shared',
            content: `s${i}.${n}`,
          });
      }),
    );
    const c = await d.client();
    const { entry } = await c.call('memory.get', { key: 'log', namespace: 'shared' });
    const lines: string[] = entry.content.split('\n');
    expect(lines.slice().sort()).toEqual(
      Array.from({ length: 8 * per }, (_, k) => `s${Math.floor(k / per)}.${k % per}`).sort(),
    );
    expect(entry.version).toBe(8 * per);
  });
});
