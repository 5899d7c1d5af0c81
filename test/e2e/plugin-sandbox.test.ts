/**
 * The plugin sandbox against the red-team's ways around it, through the real daemon: a
 * raw libuv Pipe handle (the class behind `process.stdout`) that would connect to the
 * daemon's socket or bind a socket file where it likes, and a lazily imported file
 * edited after approval. Needs `npm run build` first (the plugin host runs from dist/).
 */
import { existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { auditRecords } from '../helpers/audit.js';
import { fails } from '../helpers/provider-daemon.js';
import { cleanupAll } from '../helpers/daemon.js';
import { approve, callPlugin, pluginDaemon, stateOf } from '../helpers/plugins.js';

afterEach(cleanupAll);

const mode = (p: string) => statSync(p).mode & 0o777;

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
    for (const err of await Promise.all(attempts.map(fails))) {
      expect(err.code).toBe('PROVIDER_FAILURE');
      expect(err.data?.pluginError).toMatchObject({ code: 'ERR_ACCESS_DENIED' });
    }
    expect(existsSync(planted)).toBe(false);
    expect(d.daemon.server!.connectionCount).toBe(connections);
    // Each refusal is reported by the host and audited by the daemon.
    const denials = auditRecords(d).filter((r) => r.event === 'plugin.denied');
    expect(denials.map((r) => [r.plugin, r.what])).toEqual(
      expect.arrayContaining([
        ['raw-escaper', 'Pipe#connect on a raw handle'],
        ['raw-escaper', 'Pipe#bind on a raw handle'],
        ['raw-escaper', 'Pipe#open on a raw handle'],
      ]),
    );
    // A refused attempt is an answer, not a crash: plugin and daemon both carry on.
    expect(await stateOf(client, 'raw-escaper')).toMatchObject({ state: 'loaded' });
    expect(await client.call('system.ping', {})).toMatchObject({ pong: true });
  });

  it('runs an approved plugin from a private copy: an edit in its folder changes nothing until it is approved again', async () => {
    const { d, client, pluginsDir } = await pluginDaemon(['lazy', 'read-db']);
    const first = await approve(client, 'lazy');
    expect(first).toMatchObject({ state: 'loaded' });
    await approve(client, 'read-db');

    // impl.mjs is imported on the first call, after this edit.
    const impl = join(pluginsDir, 'lazy', 'impl.mjs');
    writeFileSync(impl, `export const version = () => ({ version: 'edited' });\n`);
    expect(await callPlugin(client, 'lazy.version')).toEqual({ version: 'approved' });
    const drifted = await stateOf(client, 'lazy');
    expect(drifted).toMatchObject({ state: 'loaded', approvedHash: first.hash });
    expect(drifted!.hash).not.toBe(first.hash);
    expect(drifted!.reason).toMatch(/files changed on disk/);

    // The copy: in the data dir, private, read-only files, named by the approved hash.
    const copies = join(d.dataDir, 'approved-plugins', 'lazy');
    expect(readdirSync(copies)).toEqual([first.hash]);
    expect(mode(copies)).toBe(0o700);
    expect(mode(join(copies, first.hash))).toBe(0o700);
    expect(mode(join(copies, first.hash, 'impl.mjs'))).toBe(0o400);
    // A plugin reads its own copy only, not even its folder in the plugins directory.
    const denied = await fails(
      callPlugin(client, 'read-db.read', { path: join(pluginsDir, 'read-db', 'index.mjs') }),
    );
    expect(denied.data?.pluginError).toMatchObject({ code: 'ERR_ACCESS_DENIED' });

    // A reload refuses the changed folder, and audits it; approving the new content runs it.
    expect(await client.call('plugin.reload', { name: 'lazy' })).toMatchObject({
      plugins: [{ name: 'lazy', state: 'changed' }],
    });
    expect(auditRecords(d)).toContainEqual(
      expect.objectContaining({ event: 'plugin.refused', plugin: 'lazy', reason: 'changed' }),
    );
    const second = await approve(client, 'lazy');
    expect(second).toMatchObject({ state: 'loaded' });
    expect(await callPlugin(client, 'lazy.version')).toEqual({ version: 'edited' });
    expect(readdirSync(copies)).toEqual([second.hash]);

    await client.call('plugin.revoke', { name: 'lazy' });
    expect(existsSync(copies)).toBe(false);
  });
});
