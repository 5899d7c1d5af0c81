/**
 * The plugin sandbox against the red-team's ways around it, through the real daemon: a
 * raw libuv Pipe handle (the class behind `process.stdout`) that would connect to the
 * daemon's socket or bind a socket file where it likes. Needs `npm run build` first (the plugin host runs from dist/).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { AistackClient, RpcError } from '../../src/clients/client.js';
import { cleanupAll } from '../helpers/daemon.js';
import { approve, callPlugin, pluginDaemon } from '../helpers/plugins.js';

afterEach(cleanupAll);

const fail = (p: Promise<unknown>) =>
  p.then(
    (v) => {
      throw new Error(`expected an error, got ${JSON.stringify(v)}`);
    },
    (e: unknown) => e as RpcError,
  );

const stateOf = async (client: AistackClient, name: string) =>
  (await client.call('plugin.list', {})).plugins.find((p) => p.name === name);

describe('plugin sandbox', () => {
  it('refuses a raw Pipe handle that connects to the daemon socket, binds a socket file outside the plugin folder or adopts fd 0; the daemon is unaffected', async () => {
    const { d, client } = await pluginDaemon(['raw-escaper']);
    expect(await approve(client, 'raw-escaper')).toMatchObject({ state: 'loaded' });
    const connections = d.daemon.server!.connectionCount;
    const planted = join(d.dir, 'planted.sock');

    const attempts = [
      callPlugin(client, 'raw-escaper.dial', { path: d.socketPath }),
      callPlugin(client, 'raw-escaper.bind', { path: planted }),
      callPlugin(client, 'raw-escaper.adopt'),
    ];
    for (const err of await Promise.all(attempts.map(fail))) {
      expect(err.code).toBe('PROVIDER_FAILURE');
      expect(err.data?.pluginError).toMatchObject({ code: 'ERR_ACCESS_DENIED' });
    }
    expect(existsSync(planted)).toBe(false);
    expect(d.daemon.server!.connectionCount).toBe(connections);
    // A refused attempt is an answer, not a crash: plugin and daemon both carry on.
    expect(await stateOf(client, 'raw-escaper')).toMatchObject({ state: 'loaded' });
    expect(await client.call('system.ping', {})).toMatchObject({ pong: true });
  });
});
