/**
 * `aistack mcp` starting honestly (issue #17, item 3): `initialize` answers only with a
 * session open, fails with the reason when none can be; the tools listed are those the
 * daemon's configuration allows, with annotations, and change (with list_changed) when
 * a config reload changes what is allowed; `--tools` narrows the list.
 */
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { ToolListChangedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli, startDaemon, tempDir } from '../helpers/daemon.js';
import { closeShimsAndCleanup, dataOf, spawnShim, textOf } from '../helpers/mcp.js';

afterEach(closeShimsAndCleanup);

const names = async (shim: Awaited<ReturnType<typeof spawnShim>>) =>
  (await shim.client.listTools()).tools.map((t) => t.name).sort();

describe('aistack mcp: an honest start', () => {
  it('fails initialize, saying why, when the daemon is unreachable and autostart is off', async () => {
    const dir = tempDir();
    const socketPath = join(dir, 'run', 'aistack.sock');
    const failed = await spawnShim({ socketPath }).then(
      () => undefined,
      (err: Error) => err,
    );
    expect(failed).toBeInstanceOf(Error);
    expect(failed!.message).toContain(
      `aistack mcp could not open its session: the daemon is not running at ${socketPath}; start it with \`aistack daemon start\``,
    );
  });

  it('the first tool call right after initialize sees the session, every time', async () => {
    const d = await startDaemon();
    for (let i = 0; i < 6; i++) {
      const shim = await spawnShim({ socketPath: d.socketPath, listTools: false });
      const r = await shim.call('session_active');
      expect(r.isError, textOf(r)).toBeFalsy();
      expect(dataOf(r).active, `run ${i}`).toBe(true);
      expect(dataOf(r).session.namespace).toMatch(/^session:/);
      await shim.close();
    }
  });
});

describe('aistack mcp: tools that can work', () => {
  it('lists no github_* while GitHub is off and no agent_*/task_* without a provider, and refuses calling them', async () => {
    const d = await startDaemon();
    const shim = await spawnShim({ socketPath: d.socketPath });
    const listed = await names(shim);
    expect(listed.filter((n) => /^(github|agent|task)_/.test(n))).toEqual([]);
    expect(listed).toEqual(expect.arrayContaining(['memory_store', 'session_active']));
    const r = await shim.call('github_repo_view', { repo: 'a/b' });
    expect(r.isError).toBe(true);
    expect(textOf(r)).toMatch(/^Unknown tool "github_repo_view"/);
  });

  it('lists github_*, agent_* and task_* when GitHub is on and a provider is configured, each with every annotation', async () => {
    const d = await startDaemon({
      config: { github: { enabled: true }, providers: { ollama: {} } },
    });
    const shim = await spawnShim({ socketPath: d.socketPath });
    const { tools } = await shim.client.listTools();
    const listed = tools.map((t) => t.name);
    for (const n of ['github_issue_create', 'github_repo_view', 'agent_spawn', 'task_run'])
      expect(listed).toContain(n);
    for (const t of tools) {
      for (const hint of ['readOnlyHint', 'destructiveHint', 'idempotentHint', 'openWorldHint'])
        expect(typeof (t.annotations as Record<string, unknown>)?.[hint], `${t.name} ${hint}`).toBe(
          'boolean',
        );
    }
    const byName = new Map(tools.map((t) => [t.name, t.annotations!]));
    expect(byName.get('memory_get')).toMatchObject({ readOnlyHint: true, openWorldHint: false });
    expect(byName.get('memory_delete')).toMatchObject({ destructiveHint: true });
    expect(byName.get('github_issue_create')).toMatchObject({
      readOnlyHint: false,
      openWorldHint: true,
    });
    expect(byName.get('task_run')).toMatchObject({ openWorldHint: true, readOnlyHint: false });
  });

  it('--tools limits the list to the names and groups given; an unknown one is a usage error', async () => {
    const d = await startDaemon({ config: { github: { enabled: true } } });
    const shim = await spawnShim({
      socketPath: d.socketPath,
      args: ['--tools', 'memory,session_active,github_repo_view,task_get'],
    });
    // task_get is chosen but there is no provider: still not listed.
    expect(await names(shim)).toEqual([
      'github_repo_view',
      'memory_append',
      'memory_changes',
      'memory_delete',
      'memory_delete_many',
      'memory_get',
      'memory_get_many',
      'memory_history',
      'memory_link',
      'memory_list',
      'memory_related',
      'memory_restore_version',
      'memory_search',
      'memory_store',
      'memory_store_many',
      'memory_unlink',
      'session_active',
    ]);
    const refused = await shim.call('system_status');
    expect(refused.isError).toBe(true);

    const usage = await runCli(['--socket', d.socketPath, 'mcp', '--tools', 'memory,bogus']);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/--tools takes tool names or groups.*unknown: bogus/);
    expect(usage.stdout).toBe('');
  });

  it('sends tools/list_changed after a config reload that turns GitHub on, and lists github_* then', async () => {
    const dir = tempDir();
    const d = await startDaemon({ dir, config: { github: { enabled: false } } });
    const shim = await spawnShim({ socketPath: d.socketPath });
    expect((await names(shim)).some((n) => n.startsWith('github_'))).toBe(false);
    const changed = new Promise<void>((resolve) =>
      shim.client.setNotificationHandler(ToolListChangedNotificationSchema, () => resolve()),
    );
    writeFileSync(join(dir, 'aistack.config.json'), JSON.stringify({ github: { enabled: true } }), {
      mode: 0o600,
    });
    // Only a connection that asked hears of it: the one that did not gets no stray line.
    const watcher = await d.client();
    expect(await watcher.call('config.watch', {})).toEqual({
      watching: true,
      notification: 'config.changed',
    });
    const heard = new Promise<string>((resolve) => watcher.onNotification((m) => resolve(m)));
    const c = await d.client();
    const unsolicited: string[] = [];
    c.onNotification((m) => unsolicited.push(m));
    const reload = await c.call('config.reload', {});
    expect(reload.changed.map((x) => x.path)).toContain('github.enabled');
    expect(await heard).toBe('config.changed');
    await changed;
    // The reloading connection's reply came after the daemon sent every notification.
    expect(unsolicited).toEqual([]);
    expect(await names(shim)).toEqual(
      expect.arrayContaining(['github_issue_create', 'github_issue_list', 'github_repo_view']),
    );
    expect(shim.stderr()).toMatch(/tools changed: .*github_repo_view/);
  });
});
