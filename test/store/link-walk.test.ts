/**
 * The walk under memory.related (link-store.ts), on a database of its own: the scope is
 * applied to every node reached, so a private node stops the walk without a trace;
 * cycles end; maxNodes and the per-level row bound say `truncated`; links go with their
 * entries (the schema's cascade) and history with a namespace.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/store/database.js';
import { MemoryStore } from '../../src/store/memory/memory-store.js';
import { MIGRATIONS } from '../../src/store/schema.js';

const dir = mkdtempSync(join(tmpdir(), 'aistack-walk-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function storeWith(keys: [string, string][]) {
  const db = openDatabase({
    path: join(dir, `${Math.random().toString(36).slice(2)}.db`),
    synchronous: 'normal',
    busyTimeoutMs: 1000,
    migrations: MIGRATIONS,
  });
  const store = new MemoryStore(db);
  const rowid = new Map<string, number>();
  for (const [namespace, key] of keys) {
    store.put({
      namespace,
      key,
      content: key,
      metadata: {},
      tags: [],
      agentId: null,
      sessionId: null,
    });
    rowid.set(key, store.links.rowidOf(namespace, key)!);
  }
  const link = (from: string, to: string, type = 't') =>
    store.links.link(rowid.get(from)!, rowid.get(to)!, type, undefined, null, 1);
  const keysOf = (nodes: Map<number, number>) => {
    const byRowid = new Map([...rowid].map(([k, r]) => [r, k]));
    return [...nodes].map(([r, depth]) => `${byRowid.get(r)}@${depth}`).sort();
  };
  return { store, rowid, link, keysOf };
}

const walk = { depth: 5, direction: 'both' as const, maxNodes: 100 };

describe('the link walk', () => {
  it('stops at a node the scope does not allow: not shown, not counted, not walked through', () => {
    const g = storeWith([
      ['kb', 'a'],
      ['session:x', 'hidden'],
      ['kb', 'beyond'],
      ['session:me', 'mine'],
    ]);
    g.link('a', 'hidden');
    g.link('hidden', 'beyond');
    g.link('a', 'mine');
    const other = g.store.links.walk(g.rowid.get('a')!, { ownNamespace: 'session:me' }, walk);
    expect(g.keysOf(other.nodes)).toEqual(['a@0', 'mine@1']);
    expect(other.edges).toHaveLength(1);
    expect(other.truncated).toBe(false);
    const anonymous = g.store.links.walk(g.rowid.get('a')!, {}, walk);
    expect(g.keysOf(anonymous.nodes)).toEqual(['a@0']);
    expect(anonymous.edges).toEqual([]);
    const owner = g.store.links.walk(g.rowid.get('a')!, { ownNamespace: 'session:x' }, walk);
    expect(g.keysOf(owner.nodes)).toEqual(['a@0', 'beyond@2', 'hidden@1']);
  });

  it('visits each node once around cycles, bounds nodes, and bounds the rows a hub costs', () => {
    const keys: [string, string][] = Array.from({ length: 60 }, (_, i) => ['kb', `n${i}`]);
    const g = storeWith(keys);
    for (let i = 0; i < 60; i++) g.link(`n${i}`, `n${(i + 1) % 60}`); // one big cycle
    for (let i = 1; i < 60; i++) g.link('n0', `n${i}`, 'hub');
    const all = g.store.links.walk(g.rowid.get('n0')!, {}, walk);
    expect(all.nodes.size).toBe(60);
    expect(all.truncated).toBe(false);
    const few = g.store.links.walk(g.rowid.get('n0')!, {}, { ...walk, maxNodes: 5 });
    expect(few.nodes.size).toBe(5);
    expect(few.truncated).toBe(true);
    // Every edge kept joins two nodes returned.
    for (const e of few.edges) {
      expect(few.nodes.has(e.from_rowid)).toBe(true);
      expect(few.nodes.has(e.to_rowid)).toBe(true);
    }
    // Rows per level are bounded too (20 per node allowed): 50 links between the same two
    // entries, with maxNodes 2, are cut at 40 and say so although no node is missing.
    const pair = storeWith([
      ['kb', 'x'],
      ['kb', 'y'],
    ]);
    for (let t = 0; t < 50; t++) pair.link('x', 'y', `type${t}`);
    const bounded = pair.store.links.walk(pair.rowid.get('x')!, {}, { ...walk, maxNodes: 2 });
    expect(bounded.nodes.size).toBe(2);
    expect(bounded.edges).toHaveLength(40);
    expect(bounded.truncated).toBe(true);
    const typed = g.store.links.walk(
      g.rowid.get('n0')!,
      {},
      { ...walk, type: 't', direction: 'out', depth: 3 },
    );
    expect(g.keysOf(typed.nodes)).toEqual(['n0@0', 'n1@1', 'n2@2', 'n3@3']);
  });

  it('drops links with either entry, and history with its namespace', () => {
    const g = storeWith([
      ['kb', 'a'],
      ['kb', 'b'],
      ['session:s', 'p'],
    ]);
    g.link('a', 'b');
    g.link('b', 'p');
    g.store.put({
      namespace: 'session:s',
      key: 'p',
      content: 'p2',
      metadata: {},
      tags: [],
      agentId: null,
      sessionId: null,
    });
    expect(g.store.history.versions('session:s', 'p')).toEqual([1]);
    g.store.delete('kb', 'b');
    expect(
      g.keysOf(g.store.links.walk(g.rowid.get('a')!, { ownNamespace: 'session:s' }, walk).nodes),
    ).toEqual(['a@0']);
    expect(g.store.history.versions('kb', 'b')).toEqual([1]);
    g.store.deleteNamespace('session:s');
    expect(g.store.history.versions('session:s', 'p')).toEqual([]);
  });
});
