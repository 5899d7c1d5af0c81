import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AistackClient, RpcError } from '../../src/clients/client.js';
import { cleanupAll, startDaemon, type TestDaemon } from '../helpers/daemon.js';
import { auditRecords } from '../helpers/audit.js';
import { openSession, type TestSession } from '../helpers/session.js';

let d: TestDaemon;
let ca: AistackClient;
let cb: AistackClient;
let A: TestSession;
let B: TestSession;

beforeEach(async () => {
  d = await startDaemon();
  ca = await d.client();
  cb = await d.client();
  A = await openSession(ca, { client: 'tool-a' });
  B = await openSession(cb, { client: 'tool-b' });
  await ca.call('memory.store', {
    key: 'secret-plan',
    content: 'alpha private zebra notes',
    ...A.creds,
  });
  await ca.call('memory.store', {
    key: 'shared-note',
    namespace: 'team',
    content: 'alpha shared zebra notes',
    ...A.creds,
  });
  await cb.call('memory.store', { key: 'b-own', content: 'bravo private zebra notes', ...B.creds });
});
afterEach(cleanupAll);

const refused = (p: Promise<unknown>) =>
  p.then(
    () => expect.unreachable('should have been refused'),
    (e: RpcError) => e,
  );

describe('session isolation through the daemon', () => {
  it("B cannot get, search, list, store into or delete from A's namespace — each refusal audited", async () => {
    const attempts: [string, Promise<unknown>][] = [
      [
        'memory.get',
        cb.call('memory.get', { key: 'secret-plan', namespace: A.namespace, ...B.creds }),
      ],
      [
        'memory.search',
        cb.call('memory.search', { query: 'zebra', namespace: A.namespace, ...B.creds }),
      ],
      ['memory.list', cb.call('memory.list', { namespace: A.namespace, ...B.creds })],
      [
        'memory.store',
        cb.call('memory.store', { key: 'plant', namespace: A.namespace, content: 'x', ...B.creds }),
      ],
      [
        'memory.delete',
        cb.call('memory.delete', { key: 'secret-plan', namespace: A.namespace, ...B.creds }),
      ],
      ['memory.get', cb.call('memory.get', { key: 'secret-plan', namespace: A.namespace })],
    ];
    for (const [method, attempt] of attempts) {
      const e = await refused(attempt);
      expect(e.code, method).toBe('ACCESS_DENIED');
      expect(e.rpcCode).toBe(-32001);
    }
    const denials = auditRecords(d).filter((r) => r.event === 'access.denied');
    expect(denials.map((r) => r.method)).toEqual(attempts.map(([m]) => m));
    for (const r of denials.slice(0, 5))
      expect(r).toMatchObject({ sessionId: B.id, namespace: A.namespace });
    expect((await ca.call('memory.get', { key: 'secret-plan', ...A.creds })).entry.content).toMatch(
      /alpha private/,
    );
  });

  it("search and list across namespaces never return another session's entries", async () => {
    const bSearch = await cb.call('memory.search', { query: 'zebra', ...B.creds });
    expect(bSearch.results.map((r) => r.entry.key).sort()).toEqual(['b-own', 'shared-note']);
    const anonSearch = await cb.call('memory.search', { query: 'zebra' });
    expect(anonSearch.results.map((r) => r.entry.key)).toEqual(['shared-note']);
    const bList = await cb.call('memory.list', B.creds);
    expect(bList.entries.map((e) => e.key).sort()).toEqual(['b-own', 'shared-note']);
    expect(bList.total).toBe(2);
    const ns = await cb.call('memory.namespaces', B.creds);
    expect(ns.namespaces.map((n) => n.namespace).sort()).toEqual([B.namespace, 'team'].sort());
    const aSearch = await ca.call('memory.search', { query: 'zebra', ...A.creds });
    expect(aSearch.results.map((r) => r.entry.key).sort()).toEqual(['secret-plan', 'shared-note']);
  });

  it("refuses A's id with a wrong token, and audits it without the token", async () => {
    const wrong = 'ast_' + 'W'.repeat(43);
    const e = await refused(
      cb.call('memory.get', { key: 'secret-plan', sessionId: A.id, sessionToken: wrong }),
    );
    expect(e.code).toBe('SESSION_INVALID');
    expect(e.rpcCode).toBe(-32003);
    const e2 = await refused(
      cb.call('memory.store', { key: 'x', content: 'y', sessionId: A.id, sessionToken: B.token }),
    );
    expect(e2.code).toBe('SESSION_INVALID');
    const guessed = await refused(
      cb.call('memory.search', { query: 'zebra', sessionId: 'not-a-session', sessionToken: wrong }),
    );
    expect(guessed.code).toBe('SESSION_INVALID');
    expect(guessed.data?.reason).toBe(e.data?.reason);
    const records = auditRecords(d).filter((r) => r.event === 'session.refused');
    expect(records).toHaveLength(3);
    expect(records[0]).toMatchObject({
      sessionId: A.id,
      method: 'memory.get',
      reason: 'bad_token',
    });
    expect(d.logs()).not.toContain(wrong);
    expect(d.logs()).not.toContain(B.token);
    expect(d.logs()).not.toContain(A.token);
  });

  it('writes need a session: a clear SESSION_REQUIRED error', async () => {
    const e = await refused(
      cb.call('memory.store', { key: 'anon', namespace: 'team', content: 'x' }),
    );
    expect(e.code).toBe('SESSION_REQUIRED');
    expect(e.message).toMatch(/needs a session/);
    expect(
      (await refused(cb.call('memory.delete', { key: 'shared-note', namespace: 'team' }))).code,
    ).toBe('SESSION_REQUIRED');
    expect(
      (await refused(cb.call('memory.store', { key: 'half', content: 'x', sessionId: B.id }))).code,
    ).toBe('SESSION_INVALID');
  });

  it("ending A deletes its entries everywhere, keeps B's and shared ones, and kills A's token", async () => {
    const end = await ca.call('session.end', A.creds);
    expect(end).toMatchObject({ ended: true, deletedEntries: 1, stoppedAgents: 0 });
    const anySearch = await cb.call('memory.search', { query: 'zebra', ...B.creds });
    expect(anySearch.results.map((r) => r.entry.key).sort()).toEqual(['b-own', 'shared-note']);
    expect((await cb.call('memory.list', { limit: 100, ...B.creds })).total).toBe(2);
    const row = d.daemon.db
      .prepare('SELECT count(*) AS n FROM memory_entries WHERE namespace = ?')
      .get(A.namespace);
    expect(row).toEqual({ n: 0 });
    // Session entries are indexed apart from shared ones; only B's is left there.
    const fts = (table: string, match: string) =>
      d.daemon.db.prepare(`SELECT count(*) AS n FROM ${table} WHERE ${table} MATCH ?`).get(match);
    expect(fts('memory_fts', 'private')).toEqual({ n: 0 });
    expect(fts('memory_fts_private', 'private')).toEqual({ n: 1 });
    expect(fts('memory_fts_private', 'alpha')).toEqual({ n: 0 });
    const dead = await refused(ca.call('memory.get', { key: 'secret-plan', ...A.creds }));
    expect(dead.code).toBe('SESSION_INVALID');
    expect(dead.data?.reason).toBe('ended');
    expect((await refused(ca.call('session.end', A.creds))).code).toBe('SESSION_INVALID');
    const endRecord = auditRecords(d).find((r) => r.event === 'session.end');
    expect(endRecord).toMatchObject({ sessionId: A.id, reason: 'ended', deletedEntries: 1 });
  });

  it('session.status and session.list show activity and counts but never tokens', async () => {
    const { session } = await ca.call('session.status', A.creds);
    expect(session).toMatchObject({ id: A.id, namespace: A.namespace, entries: 1, endedAt: null });
    const { sessions } = await ca.call('session.list');
    expect(sessions.map((x) => x.id).sort()).toEqual([A.id, B.id].sort());
    expect(JSON.stringify(sessions)).not.toContain(A.token);
    expect(sessions.find((x) => x.id === B.id)).toMatchObject({
      entries: 1,
      metadata: { client: 'tool-b' },
    });
    const forced = await cb.call('session.end', { sessionId: A.id, force: true });
    expect(forced).toMatchObject({ reason: 'forced', deletedEntries: 1 });
  });

  it("filters to one agent's entries, with or without the session's unassigned ones", async () => {
    const put = (key: string, agentId?: string) =>
      ca.call('memory.store', {
        key,
        content: `quokka notes for ${key}`,
        ...(agentId ? { agentId } : {}),
        ...A.creds,
      });
    await put('a1-note', 'agent-1');
    await put('a2-note', 'agent-2');
    await put('common-note');
    const keys = (r: { entries: { key: string }[] }) => r.entries.map((e) => e.key).sort();
    const scoped = await ca.call('memory.list', {
      agentId: 'agent-1',
      namespace: A.namespace,
      ...A.creds,
    });
    expect(keys(scoped)).toEqual(['a1-note', 'common-note', 'secret-plan']);
    const only = await ca.call('memory.list', {
      agentId: 'agent-1',
      includeShared: false,
      ...A.creds,
    });
    expect(keys(only)).toEqual(['a1-note']);
    const found = await ca.call('memory.search', {
      query: 'quokka',
      agentId: 'agent-2',
      includeShared: false,
      ...A.creds,
    });
    expect(found.results.map((r) => r.entry.key)).toEqual(['a2-note']);
    const other = await cb.call('memory.list', {
      agentId: 'agent-1',
      includeShared: false,
      ...B.creds,
    });
    expect(other.entries).toEqual([]);
  });
});
