/**
 * Projects over MCP Streamable HTTP (/mcp), with the official SDK client: a client
 * whose roots are in folder A stores without a namespace and leaves; a new client in A
 * (or a subfolder of A's work tree) finds the entry; a client in B neither finds it nor
 * reads it by name (refused, naming B's project, audited). A client that declares roots
 * but never answers `roots/list` still gets a working session, unbound, within the
 * limit. `?project=` and `X-Aistack-Project` name the project outright (over the roots);
 * a bad name is refused before any session opens.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ROOTS_TIMEOUT_MS } from '../../src/mcp/project-root.js';
import { auditRecords } from '../helpers/audit.js';
import { projectFolders } from '../helpers/project-folders.js';
import { cleanupAll } from '../helpers/daemon.js';
import { startHttpDaemon } from '../helpers/http.js';
import { dataOf, textOf } from '../helpers/mcp.js';
import { connectHttpMcp, INIT, MCP_HEADERS, scopedToken, sessions } from '../helpers/mcp-http.js';

afterEach(cleanupAll);

const keysOf = (r: { results: { entry: { key: string } }[] }) => r.results.map((x) => x.entry.key);

describe('projects through MCP over HTTP', () => {
  it('persists per project across HTTP clients, and never leaks to another project', async () => {
    const { a, deep, b } = projectFolders('aistack-http-projects-');
    const d = await startHttpDaemon();

    const first = await connectHttpMcp(d.base, { token: d.owner, roots: [a], name: 'web-a' });
    const stored = await first.call('memory_store', {
      key: 'decision',
      content: 'we chose sqlite in wal mode for the zebra service',
    });
    expect(stored.isError, textOf(stored)).toBeFalsy();
    expect(dataOf(stored).entry.namespace).toBe('project:alpha');
    await first.close();

    // A new client in a subfolder of A's work tree: the same project, the entry is there.
    const again = await connectHttpMcp(d.base, { token: d.owner, roots: [deep] });
    const status = dataOf(await again.call('session_status'));
    expect(status.session.project).toMatchObject({ slug: 'alpha', namespace: 'project:alpha' });
    expect(keysOf(dataOf(await again.call('memory_search', { query: 'zebra' })))).toEqual([
      'decision',
    ]);
    const got = await again.call('memory_get', { key: 'decision' });
    expect(got.isError, textOf(got)).toBeFalsy();
    expect(dataOf(got).entry).toMatchObject({ namespace: 'project:alpha', key: 'decision' });

    // A client in B: not in search, not in list, refused by name, naming B's project.
    const other = await connectHttpMcp(d.base, { token: d.owner, roots: [b], name: 'web-b' });
    expect(dataOf(await other.call('memory_search', { query: 'zebra' })).count).toBe(0);
    expect(dataOf(await other.call('memory_list', {})).entries).toEqual([]);
    const byName = await other.call('memory_get', { key: 'decision', namespace: 'project:alpha' });
    expect(byName.isError).toBe(true);
    expect(textOf(byName)).toMatch(/\[ACCESS_DENIED\]/);
    expect(textOf(byName)).toMatch(/bound to project "beta" \(project:beta\)/);
    const denials = auditRecords(d).filter(
      (r) => r.event === 'access.denied' && r.namespace === 'project:alpha',
    );
    expect(denials.map((r) => [r.method, r.project])).toEqual([['memory.get', 'beta']]);
    // The model cannot move its session to another project either.
    expect((await other.call('session_start', { project: { name: 'alpha' } })).isError).toBe(true);
    // Both projects were started through the project service, audited once each.
    const created = auditRecords(d).filter((r) => r.event === 'project.create');
    expect(created.map((r) => r.slug)).toEqual(['alpha', 'beta']);
    // After session_end the fresh session stays in the project.
    await other.call('session_end');
    expect(dataOf(await other.call('session_status')).session.project.slug).toBe('beta');
  });

  it('a client that declares roots but never answers roots/list gets a working unbound session', async () => {
    const d = await startHttpDaemon();
    const silent = await connectHttpMcp(d.base, { token: d.owner, roots: 'never' });
    const started = Date.now();
    const stored = await silent.call('memory_store', { key: 'k', content: 'still works' });
    const waited = Date.now() - started;
    expect(stored.isError, textOf(stored)).toBeFalsy();
    expect(dataOf(stored).entry.namespace).toMatch(/^session:/);
    // It waited for the roots no longer than the limit (plus a busy machine's margin).
    expect(waited).toBeGreaterThanOrEqual(ROOTS_TIMEOUT_MS - 100);
    expect(waited).toBeLessThan(ROOTS_TIMEOUT_MS + 15_000);
    expect(dataOf(await silent.call('session_status')).session.project).toBeNull();
    // Only one session was opened, and later calls do not wait again.
    const again = Date.now();
    expect((await silent.call('memory_list', {})).isError).toBeFalsy();
    expect(Date.now() - again).toBeLessThan(ROOTS_TIMEOUT_MS);
    expect(await sessions(d)).toHaveLength(1);
  }, 60_000);

  it('binds to the project named on initialize, over the roots, without asking for them', async () => {
    const { b } = projectFolders('aistack-http-projects-');
    const d = await startHttpDaemon();
    const byQuery = await connectHttpMcp(d.base, {
      token: d.owner,
      query: `?project=${encodeURIComponent('Alpha Service')}`,
      // Never answered: an explicit project must not wait for the roots.
      roots: 'never',
    });
    const started = Date.now();
    const stored = dataOf(await byQuery.call('memory_store', { key: 'k', content: 'named' }));
    expect(Date.now() - started).toBeLessThan(ROOTS_TIMEOUT_MS);
    expect(stored.entry.namespace).toBe('project:alpha-service');

    const byHeader = await connectHttpMcp(d.base, {
      token: d.owner,
      headers: { 'X-Aistack-Project': 'alpha-service' },
      roots: [b],
    });
    const got = await byHeader.call('memory_get', { key: 'k' });
    expect(got.isError, textOf(got)).toBeFalsy();
    expect(dataOf(got).entry.namespace).toBe('project:alpha-service');
    expect(dataOf(await byHeader.call('session_status')).session.project.name).toBe(
      'Alpha Service',
    );
  });

  it('refuses a bad project name on initialize with 400, before any session opens', async () => {
    const d = await startHttpDaemon();
    const post = (query: string, headers: Record<string, string> = {}) =>
      fetch(`${d.base}/mcp${query}`, {
        method: 'POST',
        headers: { ...MCP_HEADERS, ...headers, authorization: `Bearer ${d.owner}` },
        body: JSON.stringify(INIT),
      });
    for (const [query, headers] of [
      ['?project=', {}],
      ['?project=%20%20', {}],
      [`?project=a%01b`, {}],
      [`?project=${'x'.repeat(201)}`, {}],
      ['?project=a&project=b', {}],
      ['', { 'x-aistack-project': ' ' }],
    ] as const) {
      const res = await post(query, headers);
      expect(res.status, query).toBe(400);
      const body = (await res.json()) as { error: { message: string; data: { code: string } } };
      expect(body.error.data.code).toBe('INVALID_PARAMS');
      expect(body.error.message).toMatch(/does not name a project/);
    }
    expect(await sessions(d, true)).toHaveLength(0);
    expect(auditRecords(d).filter((r) => r.event === 'project.create')).toEqual([]);
    expect(
      auditRecords(d).filter((r) => r.event === 'request.refused' && r.code === 'INVALID_PARAMS')
        .length,
    ).toBe(6);
  });

  it('fails initialize for a token that may not open sessions, even when it declares roots', async () => {
    const { a } = projectFolders('aistack-http-projects-');
    const d = await startHttpDaemon();
    const reader = await scopedToken(d, 'reader', ['memory:read']);
    await expect(connectHttpMcp(d.base, { token: reader, roots: [a] })).rejects.toThrow(
      /sessions scope/,
    );
    expect(await sessions(d, true)).toHaveLength(0);
  });
});
