/**
 * The seed's REST API through a real daemon, with curl-shaped requests: writes and deletes
 * need a session, reads are filtered by session, another session's private entry is
 * refused 403 and audited, POST /api/v1/rpc answers a batch exactly as the socket does,
 * and bad params are 400 with the zod issues.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { auditRecords } from '../helpers/audit.js';
import { cleanupAll } from '../helpers/daemon.js';
import { call, startHttpDaemon, type HttpDaemon } from '../helpers/http.js';

afterEach(cleanupAll);

async function session(d: HttpDaemon) {
  const r = await call(d, 'POST', '/api/v1/sessions', { token: d.owner, body: {} });
  expect(r.status).toBe(200);
  return r.body.session as { id: string; token: string; namespace: string };
}

describe('REST API over HTTP', () => {
  it('refuses a write and a delete without a session, and takes them with one', async () => {
    const d = await startHttpDaemon();
    const noSession = await call(d, 'POST', '/api/v1/memory', {
      token: d.owner,
      body: { key: 'k', content: 'hello', namespace: 'team' },
    });
    expect(noSession.status).toBe(400);
    expect(noSession.body.error.data.code).toBe('SESSION_REQUIRED');
    const del = await call(d, 'DELETE', '/api/v1/memory/k?namespace=team', { token: d.owner });
    expect(del.status).toBe(400);
    expect(del.body.error.data.code).toBe('SESSION_REQUIRED');

    const s = await session(d);
    const stored = await call(d, 'POST', '/api/v1/memory', {
      token: d.owner,
      session: s,
      body: { key: 'k', content: 'hello', namespace: 'team', tags: ['a', 'b'] },
    });
    expect(stored.status).toBe(200);
    expect(stored.body.entry.namespace).toBe('team');
    // The same session, as params in the body instead of the header.
    const viaBody = await call(d, 'POST', '/api/v1/memory', {
      token: d.owner,
      body: { key: 'k2', content: 'x', sessionId: s.id, sessionToken: s.token },
    });
    expect(viaBody.status).toBe(200);
    expect(viaBody.body.entry.namespace).toBe(s.namespace);

    const got = await call(d, 'GET', '/api/v1/memory/k?namespace=team', { token: d.owner });
    expect(got.status).toBe(200);
    expect(got.body.entry.content).toBe('hello');
    const deleted = await call(d, 'DELETE', '/api/v1/memory/k?namespace=team', {
      token: d.owner,
      session: s,
    });
    expect(deleted.body).toEqual({ deleted: true, namespace: 'team', key: 'k' });
    const gone = await call(d, 'GET', '/api/v1/memory/k?namespace=team', { token: d.owner });
    expect(gone.status).toBe(404);
    expect(gone.body.error.data.code).toBe('NOT_FOUND');
  });

  it('filters reads by session and refuses another session’s private entry with 403, audited', async () => {
    const d = await startHttpDaemon();
    const a = await session(d);
    const b = await session(d);
    for (const [key, who] of [
      ['secret', a],
      ['mine', b],
    ] as const) {
      const r = await call(d, 'POST', '/api/v1/memory', {
        token: d.owner,
        session: who,
        body: { key, content: `private words of ${key}` },
      });
      expect(r.body.entry.namespace).toBe(who.namespace);
    }
    await call(d, 'POST', '/api/v1/memory', {
      token: d.owner,
      session: a,
      body: { key: 'shared', content: 'private words everyone may read', namespace: 'team' },
    });

    const keys = (r: { body: { entries: { key: string }[] } }) =>
      r.body.entries.map((e) => e.key).sort();
    expect(keys(await call(d, 'GET', '/api/v1/memory', { token: d.owner }))).toEqual(['shared']);
    expect(keys(await call(d, 'GET', '/api/v1/memory', { token: d.owner, session: a }))).toEqual([
      'secret',
      'shared',
    ]);
    expect(keys(await call(d, 'GET', '/api/v1/memory', { token: d.owner, session: b }))).toEqual([
      'mine',
      'shared',
    ]);
    const search = await call(d, 'GET', '/api/v1/memory?q=private%20words&limit=10', {
      token: d.owner,
      session: b,
    });
    expect(search.status).toBe(200);
    expect(search.body.results.map((r: { entry: { key: string } }) => r.entry.key).sort()).toEqual([
      'mine',
      'shared',
    ]);

    const stolen = await call(
      d,
      'GET',
      `/api/v1/memory/secret?namespace=${encodeURIComponent(a.namespace)}`,
      { token: d.owner, session: b },
    );
    expect(stolen.status).toBe(403);
    expect(stolen.body.error.data.code).toBe('ACCESS_DENIED');
    expect(stolen.text).not.toContain('private words');
    const wiped = await call(
      d,
      'DELETE',
      `/api/v1/memory/secret?namespace=${encodeURIComponent(a.namespace)}`,
      { token: d.owner, session: b },
    );
    expect(wiped.status).toBe(403);
    const denials = auditRecords(d).filter((r) => r.event === 'access.denied');
    expect(denials.length).toBeGreaterThanOrEqual(2);
    expect(denials.some((r) => r.method === 'memory.get' && r.namespace === a.namespace)).toBe(
      true,
    );
    expect(JSON.stringify(denials)).not.toContain(b.token);
    // A's entry is still there for A.
    const own = await call(d, 'GET', `/api/v1/memory/secret`, { token: d.owner, session: a });
    expect(own.body.entry.content).toBe('private words of secret');
  });

  it('refuses a session token in the URL', async () => {
    const d = await startHttpDaemon();
    const s = await session(d);
    const r = await call(d, 'GET', `/api/v1/memory?sessionId=${s.id}&sessionToken=${s.token}`, {
      token: d.owner,
    });
    expect(r.status).toBe(400);
    expect(r.body.error.data.code).toBe('INVALID_PARAMS');
    expect(r.text).not.toContain(s.token);
  });

  it('coerces query values to the schema and answers invalid params with 400 and the zod issues', async () => {
    const d = await startHttpDaemon();
    const s = await session(d);
    for (const [key, tags] of [
      ['one', ['x', 'y']],
      ['two', ['x']],
    ] as const) {
      await call(d, 'POST', '/api/v1/memory', {
        token: d.owner,
        session: s,
        body: { key, content: 'c', namespace: 'team', tags },
      });
    }
    const filtered = await call(d, 'GET', '/api/v1/memory?tags=x&tags=y&limit=5', {
      token: d.owner,
    });
    expect(filtered.status).toBe(200);
    expect(filtered.body.entries.map((e: { key: string }) => e.key)).toEqual(['one']);
    const bad = await call(d, 'GET', '/api/v1/memory?limit=lots&bogus=1', { token: d.owner });
    expect(bad.status).toBe(400);
    expect(bad.body.error.data.code).toBe('INVALID_PARAMS');
    const paths = bad.body.error.data.issues.map((i: { path: string }) => i.path);
    expect(paths).toContain('limit');
    expect(JSON.stringify(bad.body.error.data.issues)).toContain('bogus');
    const badBody = await call(d, 'POST', '/api/v1/memory', {
      token: d.owner,
      session: s,
      body: { key: '', content: 'c' },
    });
    expect(badBody.status).toBe(400);
    expect(badBody.body.error.data.issues[0].path).toBe('key');
    const notJson = await call(d, 'POST', '/api/v1/memory', { token: d.owner, body: '{"key":' });
    expect(notJson.status).toBe(400);
    expect(notJson.body.error.data.code).toBe('PARSE_ERROR');
  });

  it('serves sessions, agents and tasks', async () => {
    const d = await startHttpDaemon();
    const s = await session(d);
    const status = await call(d, 'GET', `/api/v1/sessions/${s.id}`, { token: d.owner, session: s });
    expect(status.status).toBe(200);
    expect(status.body.session.namespace).toBe(s.namespace);
    const agent = await call(d, 'POST', '/api/v1/agents', {
      token: d.owner,
      session: s,
      body: { type: 'coder' },
    });
    expect(agent.status).toBe(200);
    const agents = await call(d, 'GET', '/api/v1/agents', { token: d.owner, session: s });
    expect(agents.body.agents.map((a: { id: string }) => a.id)).toEqual([agent.body.agent.id]);
    const task = await call(d, 'POST', '/api/v1/tasks', {
      token: d.owner,
      session: s,
      body: { input: 'do it', agentId: agent.body.agent.id },
    });
    expect(task.status).toBe(200);
    const done = await call(d, 'POST', `/api/v1/tasks/${task.body.task.id}/complete`, {
      token: d.owner,
      session: s,
      body: { output: 'done' },
    });
    expect(done.body.task.status).toBe('completed');
    const listed = await call(d, 'GET', '/api/v1/tasks?status=completed', {
      token: d.owner,
      session: s,
    });
    expect(listed.body.total).toBe(1);
    const ended = await call(d, 'DELETE', `/api/v1/sessions/${s.id}`, {
      token: d.owner,
      session: s,
    });
    expect(ended.body.ended).toBe(true);
    const after = await call(d, 'GET', `/api/v1/sessions/${s.id}`, { token: d.owner, session: s });
    expect(after.status).toBe(403);
    expect(after.body.error.data.code).toBe('SESSION_INVALID');
  });

  it('answers POST /api/v1/rpc with JSON-RPC replies, a batch in one request', async () => {
    const d = await startHttpDaemon();
    const r = await call(d, 'POST', '/api/v1/rpc', {
      token: d.owner,
      body: [
        { jsonrpc: '2.0', id: 1, method: 'system.ping' },
        { jsonrpc: '2.0', id: 2, method: 'memory.store', params: { key: 'k', content: 'c' } },
        { jsonrpc: '2.0', method: 'system.ping' },
        { jsonrpc: '2.0', id: 3, method: 'no.such' },
        { nonsense: true },
      ],
    });
    expect(r.status).toBe(200);
    expect(r.body).toHaveLength(4);
    const byId = new Map(r.body.map((x: { id: unknown }) => [x.id, x]));
    expect((byId.get(1) as { result: { pong: boolean } }).result.pong).toBe(true);
    expect((byId.get(2) as { error: { data: { code: string } } }).error.data.code).toBe(
      'SESSION_REQUIRED',
    );
    expect((byId.get(3) as { error: { code: number } }).error.code).toBe(-32601);
    expect((byId.get(null) as { error: { code: number } }).error.code).toBe(-32600);
    const single = await call(d, 'POST', '/api/v1/rpc', {
      token: d.owner,
      body: { jsonrpc: '2.0', id: 'a', method: 'system.ping' },
    });
    expect(single.body.id).toBe('a');
    const onlyNotification = await call(d, 'POST', '/api/v1/rpc', {
      token: d.owner,
      body: { jsonrpc: '2.0', method: 'system.ping' },
    });
    expect(onlyNotification.status).toBe(204);
    const empty = await call(d, 'POST', '/api/v1/rpc', { token: d.owner, body: [] });
    expect(empty.body.error.code).toBe(-32600);
  });
});
