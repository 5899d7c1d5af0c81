/**
 * Relations (issue #18, item 1) through the real daemon: links, walks with cycles, and
 * the isolation rules — a link end another session owns is NOT_FOUND exactly as a
 * missing one, and a walk from a shared entry shows nothing of what lies in a private
 * namespace it may not read.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { RpcError } from '../../src/clients/client.js';
import { auditRecords } from '../helpers/audit.js';
import { cleanupAll, startDaemon } from '../helpers/daemon.js';
import { openSession } from '../helpers/session.js';

afterEach(cleanupAll);

const failure = (p: Promise<unknown>) =>
  p.then(
    () => expect.unreachable('should have failed'),
    (e: RpcError) => e,
  );

const keys = (r: { nodes: { key: string; depth: number }[] }) =>
  r.nodes.map((n) => `${n.key}@${n.depth}`).sort();

describe('memory.link and memory.related', () => {
  it('walks a three-entry chain to depth 2 with a cycle present, each entry once', async () => {
    const d = await startDaemon();
    const c = await d.client();
    const s = await openSession(c);
    const ns = 'graph';
    for (const key of ['a', 'b', 'c', 'd'])
      await c.call('memory.store', { key, namespace: ns, content: `entry ${key}`, ...s.creds });
    const link = (from: string, to: string, type = 'next') =>
      c.call('memory.link', {
        from: { namespace: ns, key: from },
        to: { namespace: ns, key: to },
        type,
        ...s.creds,
      });
    const first = await link('a', 'b');
    expect(first.created).toBe(true);
    expect(first.link).toMatchObject({ from: { namespace: ns, key: 'a' }, to: { key: 'b' } });
    await link('b', 'c');
    await link('c', 'a'); // the cycle
    await link('c', 'd'); // three links away from a going out: beyond depth 2

    const out2 = await c.call('memory.related', {
      key: 'a',
      namespace: ns,
      depth: 2,
      direction: 'out',
    });
    expect(out2.root).toEqual({ namespace: ns, key: 'a' });
    expect(keys(out2)).toEqual(['a@0', 'b@1', 'c@2']);
    expect(out2.truncated).toBe(false);
    // a→b, b→c; c→a is not walked (c is at the last depth) so it is not shown.
    expect(out2.edges.map((e) => `${e.from.key}>${e.to.key}`).sort()).toEqual(['a>b', 'b>c']);
    expect(out2.nodes[0]).toMatchObject({ key: 'a', preview: 'entry a', size: 7, cut: false });

    // Both ways, depth 5: the cycle is walked round once and every node appears once.
    const all = await c.call('memory.related', { key: 'a', namespace: ns, depth: 5 });
    expect(keys(all)).toEqual(['a@0', 'b@1', 'c@1', 'd@2']);
    expect(all.edges.map((e) => `${e.from.key}>${e.to.key}`).sort()).toEqual([
      'a>b',
      'b>c',
      'c>a',
      'c>d',
    ]);

    // Type filter, node limit, link metadata replaced on relink.
    await link('a', 'd', 'cites');
    const cites = await c.call('memory.related', { key: 'a', namespace: ns, type: 'cites' });
    expect(keys(cites)).toEqual(['a@0', 'd@1']);
    const small = await c.call('memory.related', { key: 'a', namespace: ns, depth: 5, limit: 2 });
    expect(small.nodes).toHaveLength(2);
    expect(small.truncated).toBe(true);
    const again = await c.call('memory.link', {
      from: { namespace: ns, key: 'a' },
      to: { namespace: ns, key: 'b' },
      type: 'next',
      metadata: { weight: 2 },
      ...s.creds,
    });
    expect(again).toMatchObject({ created: false, link: { metadata: { weight: 2 } } });

    // Unlink, then a deleted entry takes its links with it.
    expect(
      await c.call('memory.unlink', {
        from: { namespace: ns, key: 'a' },
        to: { namespace: ns, key: 'd' },
        ...s.creds,
      }),
    ).toEqual({ removed: 1 });
    await c.call('memory.delete', { key: 'c', namespace: ns, ...s.creds });
    const after = await c.call('memory.related', { key: 'a', namespace: ns, depth: 5 });
    expect(keys(after)).toEqual(['a@0', 'b@1']);
    await c.call('memory.store', { key: 'c', namespace: ns, content: 'entry c again', ...s.creds });
    const fresh = await c.call('memory.related', { key: 'c', namespace: ns, depth: 5 });
    expect(keys(fresh)).toEqual(['c@0']);
  });

  it("B's walk from a shared entry shows no trace of A's private entry; B linking to it is NOT_FOUND", async () => {
    const d = await startDaemon();
    const ca = await d.client();
    const cb = await d.client();
    const A = await openSession(ca, { client: 'a' });
    const B = await openSession(cb, { client: 'b' });
    await ca.call('memory.store', { key: 'hub', namespace: 'team', content: 'hub', ...A.creds });
    await ca.call('memory.store', { key: 'mate', namespace: 'team', content: 'mate', ...A.creds });
    await ca.call('memory.store', { key: 'secret', content: 'private words', ...A.creds });
    await ca.call('memory.link', {
      from: { namespace: 'team', key: 'hub' },
      to: { key: 'secret' },
      type: 'refers',
      ...A.creds,
    });
    await ca.call('memory.link', {
      from: { key: 'secret' },
      to: { namespace: 'team', key: 'mate' },
      type: 'refers',
      ...A.creds,
    });
    // A sees its own private entry in the walk (and, through it, mate).
    const mine = await ca.call('memory.related', {
      key: 'hub',
      namespace: 'team',
      depth: 2,
      ...A.creds,
    });
    expect(keys(mine)).toEqual(['hub@0', 'mate@2', 'secret@1']);

    // B: the private node, its links, and whatever lies only beyond it are gone without a trace.
    const theirs = await cb.call('memory.related', {
      key: 'hub',
      namespace: 'team',
      depth: 5,
      ...B.creds,
    });
    expect(keys(theirs)).toEqual(['hub@0']);
    expect(theirs.edges).toEqual([]);
    expect(theirs.truncated).toBe(false);
    expect(JSON.stringify(theirs)).not.toContain(A.namespace);
    const anonymous = await cb.call('memory.related', { key: 'hub', namespace: 'team', depth: 5 });
    expect(JSON.stringify(anonymous)).toBe(JSON.stringify(theirs));

    // B linking to (or from, or unlinking) A's entry answers as for an entry that does not exist.
    const toA = await failure(
      cb.call('memory.link', {
        from: { namespace: 'team', key: 'hub' },
        to: { namespace: A.namespace, key: 'secret' },
        type: 'x',
        ...B.creds,
      }),
    );
    const missing = await failure(
      cb.call('memory.link', {
        from: { namespace: 'team', key: 'hub' },
        to: { namespace: A.namespace, key: 'no-such-key' },
        type: 'x',
        ...B.creds,
      }),
    );
    expect(toA.code).toBe('NOT_FOUND');
    expect(missing.code).toBe('NOT_FOUND');
    expect(toA.message).toBe(`no entry with key "secret" in namespace ${A.namespace}`);
    expect(toA.data).toEqual({ code: 'NOT_FOUND', namespace: A.namespace, key: 'secret' });
    for (const call of [
      cb.call('memory.link', {
        from: { namespace: A.namespace, key: 'secret' },
        to: { namespace: 'team', key: 'hub' },
        type: 'x',
        ...B.creds,
      }),
      cb.call('memory.unlink', {
        from: { namespace: 'team', key: 'hub' },
        to: { namespace: A.namespace, key: 'secret' },
        ...B.creds,
      }),
    ])
      expect((await failure(call)).code).toBe('NOT_FOUND');
    // Still refused in the audit log, where only the owner looks.
    const denied = auditRecords(d).filter(
      (r) => r.event === 'access.denied' && r.method === 'memory.link',
    );
    expect(denied.length).toBeGreaterThanOrEqual(1); // repeats are aggregated
    expect(denied[0]).toMatchObject({ sessionId: B.id, namespace: A.namespace });
    // A missing link end in one's own reach is NOT_FOUND too, and nothing is written.
    const gone = await failure(
      cb.call('memory.link', {
        from: { namespace: 'team', key: 'hub' },
        to: { namespace: 'team', key: 'nope' },
        type: 'x',
        ...B.creds,
      }),
    );
    expect(gone.code).toBe('NOT_FOUND');
    expect(
      keys(await cb.call('memory.related', { key: 'hub', namespace: 'team', ...B.creds })),
    ).toEqual(['hub@0']);

    // Ending A's session takes its entry and every link to it; A's walk is back to the hub.
    await ca.call('session.end', { ...A.creds });
    const c = await d.client();
    const left = await c.call('memory.related', { key: 'hub', namespace: 'team', depth: 5 });
    expect(keys(left)).toEqual(['hub@0']);
  });

  it('refuses a link without a session, a bad type, and depth past 5', async () => {
    const d = await startDaemon();
    const c = await d.client();
    const s = await openSession(c);
    await c.call('memory.store', { key: 'a', namespace: 'g', content: 'a', ...s.creds });
    const ref = { namespace: 'g', key: 'a' };
    expect((await failure(c.call('memory.link', { from: ref, to: ref, type: 't' }))).code).toBe(
      'SESSION_REQUIRED',
    );
    expect(
      (await failure(c.call('memory.link', { from: ref, to: ref, type: 'a b', ...s.creds }))).code,
    ).toBe('INVALID_PARAMS');
    expect(
      (await failure(c.call('memory.related', { key: 'a', namespace: 'g', depth: 6 }))).code,
    ).toBe('INVALID_PARAMS');
    expect((await failure(c.call('memory.related', { key: 'zz', namespace: 'g' }))).code).toBe(
      'NOT_FOUND',
    );
  });
});
