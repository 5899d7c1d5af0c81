/**
 * The dashboard's writes over plain HTTP: memory calls run in a session the dashboard
 * opens for the signed-in user (client "dashboard"), under the API's own rules; an edit
 * with the version it read is refused with CONFLICT when the entry changed since; signing
 * out ends that session (and its scratch entries); a session ended underneath is replaced
 * on the next call. Also the audit page's filtered, paged read (audit.tail's filters).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { cleanupAll, runCli } from '../helpers/daemon.js';
import { call, startHttpDaemon, type HttpDaemon } from '../helpers/http.js';

afterEach(cleanupAll);

const cli = (d: { socketPath: string; dataDir: string }, ...args: string[]) =>
  runCli(['--socket', d.socketPath, '--data-dir', d.dataDir, '--no-autostart', ...args]);

/** A JSON-RPC answer, read loosely: the tests index into it. */
interface RpcAnswer {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  result?: any;
  error?: { message: string; data?: { code?: string } };
}

async function signIn(d: HttpDaemon) {
  const r = await cli(d, 'dashboard', '--print-url');
  expect(r.code, r.stderr).toBe(0);
  const res = await fetch(r.stdout.trim(), { redirect: 'manual' });
  expect(res.status).toBe(200);
  const cookie = res.headers.get('set-cookie')!.split(';')[0]!;
  const s = await call(d, 'GET', '/dashboard/api/session', { headers: { cookie } });
  const csrf = s.body.csrfToken as string;
  const headers = { cookie, 'x-csrf-token': csrf };
  let id = 1;
  return {
    cookie,
    /** One JSON-RPC call through the dashboard; the reply object. */
    rpc: async (method: string, params: unknown = {}) => {
      const a = await call(d, 'POST', '/dashboard/api/rpc', {
        headers,
        body: { jsonrpc: '2.0', id: id++, method, params },
      });
      expect(a.status).toBe(200);
      return a.body as RpcAnswer;
    },
    signOut: () => call(d, 'POST', '/dashboard/api/logout', { headers, body: {} }),
  };
}

describe('dashboard writes', () => {
  it('write in a session of its own, client "dashboard", under the API rules', async () => {
    const d = await startHttpDaemon();
    const ui = await signIn(d);
    const stored = await ui.rpc('memory.store', { key: 'note', content: 'first words' });
    expect(stored.error).toBeUndefined();
    const ns = stored.result!.entry.namespace as string;
    expect(ns).toMatch(/^session:/);
    const sessions = (await ui.rpc('session.list')).result!.sessions as {
      namespace: string;
      metadata: { client?: string };
      entries: number;
    }[];
    const mine = sessions.find((s) => s.namespace === ns)!;
    expect(mine.metadata.client).toBe('dashboard');
    expect(mine.entries).toBe(1);
    // Reads run in it too, so its own entries show; another session's namespace stays closed.
    expect((await ui.rpc('memory.get', { key: 'note', namespace: ns })).result!.entry.version).toBe(
      1,
    );
    const other = await cli(d, 'memory', 'store', 'k', 'v', '-n', 'team');
    expect(other.code, other.stderr).toBe(0);
    const denied = await ui.rpc('memory.store', {
      key: 'x',
      content: 'y',
      namespace: 'session:someone-else',
    });
    expect(denied.error?.data?.code).toBe('ACCESS_DENIED');
    // Credentials the page sends are replaced by the dashboard's own.
    const forged = await ui.rpc('memory.store', {
      key: 'forged',
      content: 'z',
      sessionId: 'nope',
      sessionToken: 'nope',
    });
    expect(forged.result!.entry.namespace).toBe(ns);
  });

  it('an edit with the version it read bumps it; a stale one is CONFLICT and writes nothing', async () => {
    const d = await startHttpDaemon();
    const ui = await signIn(d);
    await ui.rpc('memory.store', { key: 'doc', content: 'v1', namespace: 'team' });
    const v2 = await ui.rpc('memory.store', {
      key: 'doc',
      content: 'v2',
      namespace: 'team',
      expectedVersion: 1,
    });
    expect(v2.result!.entry.version).toBe(2);
    const stale = await ui.rpc('memory.store', {
      key: 'doc',
      content: 'lost?',
      namespace: 'team',
      expectedVersion: 1,
    });
    expect(stale.error?.data?.code).toBe('CONFLICT');
    expect(stale.error?.message).toContain('version 2');
    const now = await ui.rpc('memory.get', { key: 'doc', namespace: 'team' });
    expect(now.result!.entry).toMatchObject({ content: 'v2', version: 2 });
    // 0 means "only if it does not exist yet".
    const again = await ui.rpc('memory.store', {
      key: 'doc',
      content: 'new',
      namespace: 'team',
      expectedVersion: 0,
    });
    expect(again.error?.data?.code).toBe('CONFLICT');
    const fresh = await ui.rpc('memory.store', {
      key: 'fresh',
      content: 'new',
      namespace: 'team',
      expectedVersion: 0,
    });
    expect(fresh.result!.created).toBe(true);
    // Too long: the daemon's own message, nothing written.
    const big = await ui.rpc('memory.store', {
      key: 'doc',
      content: 'x'.repeat(2_000_000),
      namespace: 'team',
      expectedVersion: 2,
    });
    expect(big.error).toBeDefined();
    expect(
      (await ui.rpc('memory.get', { key: 'doc', namespace: 'team' })).result!.entry.version,
    ).toBe(2);
  });

  it('sign-out ends the session and its scratch entries; an ended one is replaced on the next call', async () => {
    const d = await startHttpDaemon();
    const ui = await signIn(d);
    const first = (await ui.rpc('memory.store', { key: 'a', content: 'scratch' })).result!;
    const firstId = (first.entry.namespace as string).slice('session:'.length);
    // Ended underneath (as the Sessions page or the idle cleanup would).
    const ended = await cli(d, 'session', 'end', firstId, '--force');
    expect(ended.code, ended.stderr).toBe(0);
    const second = await ui.rpc('memory.store', { key: 'b', content: 'scratch' });
    expect(second.error).toBeUndefined();
    const secondNs = second.result!.entry.namespace as string;
    expect(secondNs).not.toBe(first.entry.namespace);
    // Ended through the dashboard itself: forgotten at once.
    const viaPage = await ui.rpc('session.end', {
      sessionId: secondNs.slice('session:'.length),
      force: true,
    });
    expect(viaPage.result!.deletedEntries).toBe(1);
    const third = (await ui.rpc('memory.store', { key: 'c', content: 'scratch' })).result!;
    const thirdId = (third.entry.namespace as string).slice('session:'.length);
    expect((await ui.signOut()).status).toBe(200);
    await expect
      .poll(async () => {
        const r = await cli(d, '--json', 'session', 'list', '--all');
        const all = JSON.parse(r.stdout) as { sessions: { id: string; endedAt: string | null }[] };
        return all.sessions.find((s) => s.id === thirdId)?.endedAt ?? null;
      })
      .not.toBeNull();
  });
});

describe('audit.tail filters (the audit page)', () => {
  it('filters by session, type and time, and pages back with beforeSeq', async () => {
    const d = await startHttpDaemon();
    const ui = await signIn(d);
    const a = await cli(d, '--json', 'session', 'start');
    const sid = (JSON.parse(a.stdout) as { session: { id: string } }).session.id;
    for (let i = 0; i < 3; i++) await cli(d, 'session', 'start');
    await cli(d, 'session', 'end', sid, '--force');
    const bySession = (await ui.rpc('audit.tail', { sessionId: sid, limit: 100 })).result!
      .records as { event: string; seq: number; time: string }[];
    expect(bySession.map((r) => r.event)).toEqual(['session.start', 'session.end']);
    const ends = (await ui.rpc('audit.tail', { type: 'session.end', sessionId: sid })).result!
      .records as unknown[];
    expect(ends).toHaveLength(1);

    const all = (await ui.rpc('audit.tail', { limit: 1000 })).result!.records as {
      seq: number;
      time: string;
    }[];
    expect(all.length).toBeGreaterThan(3);
    const last = all.at(-1)!;
    const page = (await ui.rpc('audit.tail', { limit: 2, beforeSeq: last.seq })).result!
      .records as { seq: number }[];
    expect(page.map((r) => r.seq)).toEqual([last.seq - 2, last.seq - 1]);

    const start = bySession[0]!.time;
    const end = bySession[1]!.time;
    const window = (await ui.rpc('audit.tail', { limit: 1000, since: start, until: end })).result!
      .records as { seq: number; time: string }[];
    expect(window.length).toBeGreaterThan(0);
    for (const r of window) {
      expect(Date.parse(r.time)).toBeGreaterThanOrEqual(Date.parse(start));
      expect(Date.parse(r.time)).toBeLessThan(Date.parse(end));
    }
    const bad = await ui.rpc('audit.tail', { since: 'yesterday' });
    expect(bad.error?.data?.code).toBe('INVALID_PARAMS');
  });
});
