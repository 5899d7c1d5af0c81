/**
 * No plugin process outlives its daemon: a plugin that ignores stdin EOF and traps
 * signals still ends when its daemon is SIGKILLed, and one that cannot end (its only
 * thread blocked) is killed by the next daemon on the same data dir. The daemons run as
 * child processes so that they can be SIGKILLed; Linux only (/proc).
 */
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { auditRecords } from '../helpers/audit.js';
import { cleanupAll, connectTo, spawnDaemon, tempDir, writeConfig } from '../helpers/daemon.js';
import { approve, callPlugin, writeFixtures, type FixtureName } from '../helpers/plugins.js';
import { isRunning, killPluginHost } from '../helpers/processes.js';
import { waitFor } from '../helpers/wait.js';

const leftovers: number[] = [];
afterEach(async () => {
  await cleanupAll();
  leftovers.splice(0).forEach(killPluginHost);
});

/** A temp dir with the fixtures and a config that turns plugins on. */
function pluginHome(fixtures: FixtureName[]) {
  const dir = tempDir('aistack-plugins-');
  writeFixtures(join(dir, 'plugins'), fixtures);
  const config = writeConfig(dir, { plugins: { enabled: true, dir: join(dir, 'plugins') } });
  return { dir, args: ['--config', config] };
}

async function pidOf(d: Awaited<ReturnType<typeof spawnDaemon>>, name: string, method: string) {
  const client = await connectTo(d);
  expect(await approve(client, name)).toMatchObject({ state: 'loaded' });
  const { pid } = (await callPlugin(client, `${name}.${method}`)) as { pid: number };
  client.close();
  leftovers.push(pid);
  expect(isRunning(pid)).toBe(true);
  return pid;
}

describe.runIf(process.platform === 'linux')('plugin process lifetime', () => {
  it('ends a plugin that ignores stdin EOF and traps signals when its daemon is SIGKILLed', async () => {
    const { dir, args } = pluginHome(['undying']);
    const d = await spawnDaemon(dir, args);
    const pid = await pidOf(d, 'undying', 'pid');

    d.child.kill('SIGKILL');
    await d.exited;
    await waitFor(() => !isRunning(pid), `plugin process ${pid} to end with its daemon`);
  });

  it('kills a plugin process a SIGKILLed daemon left behind when the next daemon starts, and audits it', async () => {
    const { dir, args } = pluginHome(['blocker']);
    const first = await spawnDaemon(dir, args);
    const pid = await pidOf(first, 'blocker', 'freeze');

    first.child.kill('SIGKILL');
    await first.exited;
    // Its only thread is blocked, so nothing in it notices that the daemon is gone.
    expect(isRunning(pid)).toBe(true);

    const second = await spawnDaemon(dir, args);
    await waitFor(() => !isRunning(pid), `the leftover plugin process ${pid} to be killed`);
    expect(auditRecords(second)).toContainEqual(
      expect.objectContaining({ event: 'plugin.leftover_killed', plugin: 'blocker', pid }),
    );
    // The new daemon runs the plugin again, in a process of its own.
    const client = await connectTo(second);
    const { plugins } = await client.call('plugin.list', {});
    expect(plugins.find((p) => p.name === 'blocker')).toMatchObject({ state: 'loaded' });
    client.close();
  });
});
