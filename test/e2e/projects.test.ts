/**
 * Projects: memory that persists per project and does not leak. MCP clients (the
 * official SDK client over stdio, declaring roots) in folder A store without a
 * namespace; a later client in A — or in a subfolder of A's git work tree — finds the
 * entry, while a client in folder B neither finds it nor may read it by name (refused,
 * naming B's project, audited). The owner's CLI sees every project and lists, shows and
 * renames them; rename moves nothing.
 */
import { realpathSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { RpcError } from '../../src/clients/client.js';
import { auditRecords } from '../helpers/audit.js';
import { projectFolders } from '../helpers/project-folders.js';
import { runCli, startDaemon, tempDir, type TestDaemon } from '../helpers/daemon.js';
import { closeShimsAndCleanup, dataOf, spawnShim, textOf } from '../helpers/mcp.js';

afterEach(closeShimsAndCleanup);

const cli = (d: TestDaemon, ...args: string[]) =>
  runCli(['--socket', d.socketPath, '--data-dir', d.dataDir, '--no-autostart', ...args]);

const refused = (p: Promise<unknown>) =>
  p.then(
    () => expect.unreachable('should have been refused'),
    (e: unknown) => e as RpcError,
  );

describe('projects through aistack mcp', () => {
  it('persists per project across clients, and never leaks to another project', async () => {
    const { a, deep, b } = projectFolders();
    const d = await startDaemon();

    const first = await spawnShim({ socketPath: d.socketPath, roots: [a], name: 'claude-a' });
    const stored = await first.call('memory_store', {
      key: 'decision',
      content: 'we chose sqlite in wal mode for the zebra service',
    });
    expect(stored.isError, textOf(stored)).toBeFalsy();
    expect(dataOf(stored).entry.namespace).toBe('project:alpha');
    const scratch = await first.call('memory_store', {
      key: 'scratch',
      content: 'zebra scratch that dies with the session',
      scope: 'session',
    });
    expect(dataOf(scratch).entry.namespace).toMatch(/^session:/);
    await first.close();

    // A new client in a subfolder of A's work tree: the same project, the entry is there.
    const again = await spawnShim({ socketPath: d.socketPath, roots: [deep], name: 'claude-a2' });
    const status = dataOf(await again.call('session_status'));
    expect(status.session.project).toMatchObject({ slug: 'alpha', namespace: 'project:alpha' });
    const found = dataOf(await again.call('memory_search', { query: 'zebra' }));
    expect(found.results.map((r: { entry: { key: string } }) => r.entry.key)).toEqual(['decision']);
    const got = await again.call('memory_get', { key: 'decision' });
    expect(got.isError, textOf(got)).toBeFalsy();
    expect(dataOf(got).entry).toMatchObject({ namespace: 'project:alpha', key: 'decision' });
    const listed = dataOf(await again.call('memory_list', {}));
    expect(listed.entries.map((e: { key: string }) => e.key)).toEqual(['decision']);

    // A client in B: not in search, not in list, and refused by name, naming B's project.
    const other = await spawnShim({ socketPath: d.socketPath, roots: [b], name: 'claude-b' });
    const none = dataOf(await other.call('memory_search', { query: 'zebra' }));
    expect(none.count).toBe(0);
    expect(dataOf(await other.call('memory_list', {})).entries).toEqual([]);
    const byName = await other.call('memory_get', { key: 'decision', namespace: 'project:alpha' });
    expect(byName.isError).toBe(true);
    expect(textOf(byName)).toMatch(/\[ACCESS_DENIED\]/);
    expect(textOf(byName)).toMatch(/bound to project "beta" \(project:beta\)/);
    const write = await other.call('memory_store', {
      key: 'plant',
      namespace: 'project:alpha',
      content: 'x',
    });
    expect(write.isError).toBe(true);
    const del = await other.call('memory_delete', { key: 'decision', namespace: 'project:alpha' });
    expect(del.isError).toBe(true);
    const denials = auditRecords(d).filter(
      (r) => r.event === 'access.denied' && r.namespace === 'project:alpha',
    );
    expect(denials.map((r) => r.method)).toEqual(['memory.get', 'memory.store', 'memory.delete']);
    for (const r of denials) expect(r.project).toBe('beta');
    // A model cannot pick another project for its session either.
    const pick = await other.call('session_start', { project: { name: 'alpha' } });
    expect(pick.isError).toBe(true);

    // B's own writes stay in B.
    await other.call('memory_store', { key: 'b-note', content: 'beta zebra note' });
    expect(dataOf(await again.call('memory_search', { query: 'beta' })).count).toBe(0);

    // The owner's CLI sees every project, without a session.
    const ownerSearch = await cli(d, 'memory', 'search', 'zebra', '--json');
    expect(ownerSearch.code, ownerSearch.stderr).toBe(0);
    const keys = (
      JSON.parse(ownerSearch.stdout) as { results: { entry: { key: string } }[] }
    ).results
      .map((r) => r.entry.key)
      .sort();
    expect(keys).toEqual(['b-note', 'decision']);
    const ownerGet = await cli(d, 'memory', 'get', 'decision', '-n', 'project:alpha', '--json');
    expect(ownerGet.code, ownerGet.stderr).toBe(0);
    expect(JSON.parse(ownerGet.stdout).entry.content).toMatch(/wal mode/);
  }, 120_000); // several MCP shims, each a Node start: slow on a loaded machine

  it('binds from the working directory without roots, --project overrides, home is none', async () => {
    const { a, deep, b, base } = projectFolders();
    const d = await startDaemon();
    const inDeep = await spawnShim({ socketPath: d.socketPath, cwd: deep });
    const r = dataOf(await inDeep.call('memory_store', { key: 'k', content: 'from the folder' }));
    expect(r.entry.namespace).toBe('project:alpha');
    const named = await spawnShim({
      socketPath: d.socketPath,
      cwd: b,
      roots: [b],
      args: ['--project', 'alpha'],
    });
    const viaName = await named.call('memory_get', { key: 'k' });
    expect(dataOf(viaName).entry.namespace).toBe('project:alpha');
    // The daemon's HOME is not the shim's: the shim's own HOME (here `base`) is no project.
    const home = await spawnShim({ socketPath: d.socketPath, cwd: base, env: { HOME: base } });
    const homeStore = dataOf(await home.call('memory_store', { key: 'h', content: 'at home' }));
    expect(homeStore.entry.namespace).toMatch(/^session:/);
    expect(dataOf(await home.call('session_status')).session.project).toBeNull();
    expect(a).toBeTruthy();
  });

  it('aistack project list, show and rename: rename keeps the namespace and every entry', async () => {
    const { a } = projectFolders();
    const d = await startDaemon();
    const shim = await spawnShim({ socketPath: d.socketPath, roots: [a] });
    for (const key of ['one', 'two']) await shim.call('memory_store', { key, content: key });
    const list = await cli(d, 'project', 'list', '--json');
    expect(list.code, list.stderr).toBe(0);
    expect(JSON.parse(list.stdout).projects).toEqual([
      expect.objectContaining({
        slug: 'alpha',
        namespace: 'project:alpha',
        name: 'alpha',
        root: realpathSync(a),
        entries: 2,
        activeSessions: 1,
      }),
    ]);
    const table = await cli(d, 'project', 'list');
    expect(table.stdout).toMatch(/^SLUG\s+NAME\s+ENTRIES/m);
    const renamed = await cli(d, 'project', 'rename', 'alpha', 'Alpha Service');
    expect(renamed.code, renamed.stderr).toBe(0);
    expect(renamed.stdout).toMatch(/"alpha" → "Alpha Service" \(namespace unchanged, 2 entries\)/);
    const shown = await cli(d, 'project', 'show', 'Alpha Service', '--json');
    expect(JSON.parse(shown.stdout).project).toMatchObject({
      slug: 'alpha',
      namespace: 'project:alpha',
      name: 'Alpha Service',
      entries: 2,
    });
    // The session bound before the rename keeps working in the same namespace.
    const three = dataOf(await shim.call('memory_store', { key: 'three', content: 'three' }));
    expect(three.entry.namespace).toBe('project:alpha');
    // A new client in the same folder comes back to the same project, all entries there once.
    await shim.close();
    const later = await spawnShim({ socketPath: d.socketPath, roots: [a] });
    const all = dataOf(await later.call('memory_list', {}));
    expect(all.entries.map((e: { key: string }) => e.key).sort()).toEqual(['one', 'three', 'two']);
    expect(dataOf(await later.call('session_status')).session.project.name).toBe('Alpha Service');
    const missing = await cli(d, 'project', 'show', 'nosuch');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/no project "nosuch"/);
    expect(
      auditRecords(d).some((r) => r.event === 'project.rename' && r.to === 'Alpha Service'),
    ).toBe(true);
  });
});

describe('projects over the socket', () => {
  it('one root is one project; folders of the same name get apart slugs; bad roots are refused', async () => {
    const d = await startDaemon();
    const c = await d.client();
    const start = async (project: Record<string, unknown>) =>
      (await c.call('session.start', { project } as never)).session;
    const one = await start({ root: '/srv/x/app' });
    const two = await start({ root: '/srv/y/app' });
    const oneAgain = await start({ root: '/srv/x/app', name: 'Another Name' });
    expect(one.project).toMatchObject({ slug: 'app', namespace: 'project:app', name: 'app' });
    expect(two.project!.slug).toMatch(/^app-[0-9a-f]{8}$/);
    expect(oneAgain.project!.slug).toBe('app');
    const odd = await start({ name: '  Ünïcode & Spaces / Ok!  ' });
    expect(odd.project!.slug).toBe('unicode-spaces-ok');
    const long = await start({ name: 'x'.repeat(200) });
    expect(long.project!.slug).toBe('x'.repeat(40));
    const symbols = await start({ name: '!!!' });
    expect(symbols.project!.slug).toBe('project');
    for (const bad of [{ root: 'relative/path' }, {}, { root: '/a\u0000b' }, { name: '' }]) {
      const e = await refused(c.call('session.start', { project: bad } as never));
      expect(e.code, JSON.stringify(bad)).toBe('INVALID_PARAMS');
    }
    const projects = (await c.call('project.list')).projects.map((p) => p.slug);
    expect(projects.length).toBe(5);
    expect(auditRecords(d).filter((r) => r.event === 'project.create').length).toBe(5);
  });

  it('a session without a project, with a scoped token, cannot read a project; the owner can', async () => {
    const d = await startDaemon();
    const c = await d.client();
    const { session } = await c.call('session.start', { project: { name: 'alpha' } });
    const creds = { sessionId: session.id, sessionToken: session.token };
    await c.call('memory.store', { key: 'k', content: 'alpha zebra', ...creds });
    const { token } = await c.call('token.create', { name: 'reader', scopes: ['memory:read'] });
    const { AistackClient } = await import('../../src/clients/client.js');
    const reader = await AistackClient.connect(d.socketPath, { token });
    try {
      expect((await reader.call('memory.search', { query: 'zebra' })).count).toBe(0);
      const e = await refused(reader.call('memory.get', { key: 'k', namespace: 'project:alpha' }));
      expect(e.code).toBe('ACCESS_DENIED');
      expect(e.message).toMatch(/only sessions bound to that project \(and the owner\)/);
      expect((await reader.call('memory.namespaces')).namespaces).toEqual([]);
    } finally {
      reader.close();
    }
    expect((await c.call('memory.search', { query: 'zebra' })).count).toBe(1);
    expect((await c.call('memory.namespaces')).namespaces).toEqual([
      { namespace: 'project:alpha', count: 1 },
    ]);
    // Ending the session keeps the project's entries: they are not session data.
    expect((await c.call('session.end', creds)).deletedEntries).toBe(0);
    expect(
      (await c.call('memory.get', { key: 'k', namespace: 'project:alpha' })).entry.content,
    ).toBe('alpha zebra');
  });

  it('a backup keeps projects; after a restore, the project still finds its entries, others still do not', async () => {
    const d = await startDaemon();
    const c = await d.client();
    const start = async (root: string) => {
      const { session } = await c.call('session.start', { project: { root } });
      return { sessionId: session.id, sessionToken: session.token };
    };
    const alpha = await start('/work/alpha');
    await c.call('memory.store', { key: 'k', content: 'alpha zebra plan', ...alpha });
    const { path } = await c.call('backup.create', { out: join(tempDir(), 'b.db') });
    const restored = await c.call('backup.restore', { file: path });
    expect(restored.sessionsEnded.entries).toBe(0);
    const again = await start('/work/alpha');
    const beta = await start('/work/beta');
    const found = await c.call('memory.search', { query: 'zebra', ...again });
    expect(found.results.map((r) => r.entry.namespace)).toEqual(['project:alpha']);
    expect((await c.call('memory.search', { query: 'zebra', ...beta })).count).toBe(0);
    expect((await c.call('project.list')).projects.map((p) => p.slug)).toEqual(['alpha', 'beta']);
  });
});
