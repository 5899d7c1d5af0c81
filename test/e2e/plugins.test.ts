/**
 * Plugins through the real daemon: approval by content hash, refusals, the sandbox
 * (permission model plus the host's lockdown), and failures that stay contained.
 * The plugin host runs from dist/, so these need `npm run build` first (as `npm test` does).
 */
import { chmodSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { auditRecords } from '../helpers/audit.js';
import { fails } from '../helpers/provider-daemon.js';
import { cleanupAll, runCli, startDaemon } from '../helpers/daemon.js';
import {
  approve,
  callPlugin,
  linkOut,
  pluginDaemon,
  stateOf,
  tamper,
  type FixtureName,
  writeFixtures,
} from '../helpers/plugins.js';
import { openSession } from '../helpers/session.js';
import { track } from '../helpers/wait.js';

afterEach(cleanupAll);

describe('plugins', () => {
  it('runs an approved plugin: its method, through the method table and session checks, and its agent type', async () => {
    const { d, client } = await pluginDaemon(['good']);
    expect(await stateOf(client, 'good')).toMatchObject({ state: 'refused' });
    await expect(fails(callPlugin(client, 'good.greet'))).resolves.toMatchObject({
      code: 'METHOD_NOT_FOUND',
    });

    const approved = await approve(client, 'good');
    expect(approved).toMatchObject({ name: 'good', state: 'loaded' });

    const session = await openSession(client);
    expect(await callPlugin(client, 'good.greet', { name: 'ada', ...session.creds })).toEqual({
      greeting: 'hello, ada',
      sessionId: session.id,
    });
    expect(await callPlugin(client, 'good.greet')).toEqual({
      greeting: 'hello, world',
      sessionId: null,
    });
    // No keys, no environment at all.
    expect(await callPlugin(client, 'good.env')).toEqual({ names: [] });

    const wrong = await fails(
      callPlugin(client, 'good.greet', { sessionId: session.id, sessionToken: 'x'.repeat(43) }),
    );
    expect(wrong.code).toBe('SESSION_INVALID');
    const tooBig = await fails(callPlugin(client, 'good.greet', { name: 'x'.repeat(70_000) }));
    expect(tooBig.code).toBe('INVALID_PARAMS');

    // The agent type is offered next to the built-ins, and an agent of it can be spawned.
    const { types } = await client.call('agent.types', {});
    expect(types.find((t) => t.name === 'good-haiku-writer')).toMatchObject({
      source: 'plugin',
      capabilities: ['poetry'],
    });
    const { agent } = await client.call('agent.spawn', {
      type: 'good-haiku-writer',
      ...session.creds,
    });
    expect(agent).toMatchObject({ type: 'good-haiku-writer' });

    const { methods } = await client.call('system.methods', {});
    expect(methods.find((m) => m.name === 'plugin.good.greet')).toMatchObject({ access: 'public' });
    expect(await stateOf(client, 'good')).toMatchObject({
      state: 'loaded',
      methods: ['plugin.good.greet', 'plugin.good.env'],
      agentTypes: [{ name: 'good-haiku-writer', capabilities: ['poetry'] }],
    });

    const audit = auditRecords(d);
    expect(audit).toContainEqual(
      expect.objectContaining({ event: 'plugin.approved', plugin: 'good' }),
    );
    expect(audit).toContainEqual(
      expect.objectContaining({ event: 'plugin.loaded', plugin: 'good' }),
    );
    expect(audit).toContainEqual(
      expect.objectContaining({ event: 'session.refused', method: 'plugin.good.greet' }),
    );
    const { events } = await client.call('plugin.events', { name: 'good' });
    expect(events.map((e) => e.event)).toEqual(['loaded', 'approved', 'refused']);

    await client.call('plugin.revoke', { name: 'good' });
    expect((await fails(callPlugin(client, 'good.greet'))).code).toBe('METHOD_NOT_FOUND');
    const after = await client.call('agent.types', {});
    expect(after.types.map((t) => t.name)).not.toContain('good-haiku-writer');
  });

  it('refuses and audits a plugin that is unapproved, changed after approval, or has a symlink out of its folder', async () => {
    const { d, client, pluginsDir } = await pluginDaemon(['good', 'hanger', 'read-db']);
    // `good` is never approved; `hanger` will change; `read-db` gets a symlink.
    await approve(client, 'hanger');
    await approve(client, 'read-db');
    tamper(join(pluginsDir, 'hanger'));
    linkOut(join(pluginsDir, 'read-db'));
    await client.call('plugin.reload', {});

    const { plugins } = await client.call('plugin.list', {});
    const byName = Object.fromEntries(plugins.map((p) => [p.name, p]));
    expect(byName.good).toMatchObject({
      state: 'refused',
      reason: expect.stringMatching(/not-approved/),
    });
    expect(byName.hanger).toMatchObject({ state: 'changed' });
    expect(byName.hanger!.hash).not.toBe(byName.hanger!.approvedHash);
    expect(byName['read-db']).toMatchObject({
      state: 'refused',
      reason: expect.stringMatching(/symlink/),
    });
    for (const m of ['good.greet', 'hanger.wait', 'read-db.read'])
      expect((await fails(callPlugin(client, m))).code).toBe('METHOD_NOT_FOUND');

    const refusals = auditRecords(d).filter((r) => r.event === 'plugin.refused');
    expect(refusals).toContainEqual(
      expect.objectContaining({ plugin: 'good', reason: 'not-approved' }),
    );
    expect(refusals).toContainEqual(
      expect.objectContaining({ plugin: 'hanger', reason: 'changed' }),
    );
    expect(refusals).toContainEqual(
      expect.objectContaining({ plugin: 'read-db', reason: 'symlink' }),
    );
    const { events } = await client.call('plugin.events', {});
    expect(events.filter((e) => e.event === 'refused').map((e) => e.plugin)).toEqual(
      expect.arrayContaining(['good', 'hanger', 'read-db']),
    );

    // A symlinked folder cannot be approved, and an approval names the hash that was reviewed.
    expect((await fails(approve(client, 'read-db'))).code).toBe('CONFLICT');
    const stale = await fails(
      client.call('plugin.approve', { name: 'hanger', hash: byName.hanger!.approvedHash! }),
    );
    expect(stale.code).toBe('CONFLICT');

    // A plugins directory other users can write to: nothing loads from it.
    chmodSync(pluginsDir, 0o777);
    const reloaded = await client.call('plugin.reload', {});
    expect(reloaded.plugins.every((p) => p.reason?.startsWith('insecure-dir'))).toBe(true);
    expect(auditRecords(d)).toContainEqual(
      expect.objectContaining({ event: 'plugin.refused', reason: 'insecure-dir' }),
    );
  });

  it('stops a plugin that reads the database or the config, spawns a process, dials the socket or signals the daemon — and keeps answering', async () => {
    const fixtures: FixtureName[] = ['read-db', 'read-config', 'spawner', 'escaper'];
    const { d, client, configPath } = await pluginDaemon(fixtures);
    for (const name of fixtures)
      expect(await approve(client, name)).toMatchObject({ state: 'loaded' });

    const attempts = [
      callPlugin(client, 'read-db.read', { path: d.daemon.dbPath }),
      callPlugin(client, 'read-config.read', { path: configPath }),
      callPlugin(client, 'spawner.ls'),
      callPlugin(client, 'escaper.dial', { path: d.socketPath }),
      callPlugin(client, 'escaper.signal'),
    ];
    for (const err of await Promise.all(attempts.map(fails))) {
      expect(err.code).toBe('PROVIDER_FAILURE');
      expect(err.data?.pluginError).toMatchObject({ code: 'ERR_ACCESS_DENIED' });
    }
    // The plugins are still loaded (a denied call is an answer, not a crash), and so is the daemon.
    for (const name of fixtures)
      expect(await stateOf(client, name)).toMatchObject({ state: 'loaded' });
    expect(await client.call('system.ping', {})).toMatchObject({ pong: true });
    expect(d.logs()).not.toContain('K'.repeat(40));
    // What the host refused (not what Node's permission model did) is audited by name.
    const denied = auditRecords(d).filter((r) => r.event === 'plugin.denied');
    expect(denied.map((r) => [r.plugin, r.what])).toEqual(
      expect.arrayContaining([
        ['escaper', 'connecting to a Unix socket'],
        ['escaper', 'signalling processes'],
      ]),
    );
  });

  it('marks a plugin failed when it throws at load, hangs a call, exits mid-call or floods, while other clients are served', async () => {
    const fixtures: FixtureName[] = ['good', 'thrower', 'hanger', 'exiter', 'flooder'];
    // Seconds: the other client's calls below must all be answered before the hang times out.
    const callTimeoutMs = 4000;
    const { d, client } = await pluginDaemon(fixtures, { callTimeoutMs });
    for (const name of fixtures) await approve(client, name);
    const other = await d.client();

    expect(await stateOf(client, 'thrower')).toMatchObject({
      state: 'failed',
      reason: expect.stringContaining('boom at load'),
    });
    const atLoad = await fails(callPlugin(client, 'thrower.noop'));
    expect(atLoad.code).toBe('PROVIDER_FAILURE');
    expect(atLoad.message).toMatch(
      /plugin thrower failed: .*boom at load.*aistack plugin reload thrower/,
    );

    const started = Date.now();
    const hung = fails(callPlugin(client, 'hanger.wait'));
    const hanging = track(hung);
    const died = fails(callPlugin(client, 'exiter.die'));
    const flooded = fails(callPlugin(client, 'flooder.flood'));
    // Meanwhile another client is answered, plugin calls included: not after the hang.
    for (let i = 0; i < 5; i++) {
      await other.call('system.ping', {});
      expect(await callPlugin(other, 'good.greet', { name: String(i) })).toMatchObject({
        greeting: `hello, ${i}`,
      });
      expect(hanging.settled).toBe(false);
    }

    const timeout = await hung;
    expect(timeout.code).toBe('TIMEOUT');
    expect(timeout.message).toMatch(
      new RegExp(`plugin hanger did not answer wait within ${callTimeoutMs} ms`),
    );
    expect(Date.now() - started).toBeGreaterThanOrEqual(callTimeoutMs - 100);
    expect((await died).message).toMatch(/plugin exiter exited during die \(exited with code 3\)/);
    expect((await flooded).message).toMatch(
      /plugin flooder was stopped during flood \(wrote more than/,
    );

    const later = await fails(callPlugin(client, 'hanger.wait'));
    expect(later.message).toMatch(
      /plugin hanger failed: did not answer wait.*run aistack plugin reload hanger/,
    );
    for (const name of ['thrower', 'hanger', 'exiter', 'flooder'])
      expect(await stateOf(client, name)).toMatchObject({ state: 'failed' });
    const failures = auditRecords(d).filter((r) => r.event === 'plugin.failed');
    expect(failures.map((r) => [r.plugin, r.kind]).sort()).toEqual([
      ['exiter', 'exited'],
      ['flooder', 'flood'],
      ['hanger', 'call-timeout'],
      ['thrower', 'load-error'],
    ]);

    // A reload brings a failed plugin back.
    await client.call('plugin.reload', { name: 'hanger' });
    expect(await stateOf(client, 'hanger')).toMatchObject({ state: 'loaded' });
    expect(await callPlugin(other, 'good.greet')).toMatchObject({ greeting: 'hello, world' });
  });

  it('with plugins off, loads nothing but still lets the user review and approve; reload is FEATURE_DISABLED', async () => {
    const d = await startDaemon();
    writeFixtures(join(d.dataDir, 'plugins'), ['good']);
    const client = await d.client();
    expect(await client.call('plugin.list', {})).toMatchObject({
      enabled: false,
      plugins: [{ name: 'good', state: 'refused' }],
    });
    expect(await approve(client, 'good')).toMatchObject({ state: 'approved' });
    expect(await stateOf(client, 'good')).toMatchObject({
      state: 'approved',
      reason: expect.stringMatching(/off/),
    });
    expect((await fails(callPlugin(client, 'good.greet'))).code).toBe('METHOD_NOT_FOUND');
    expect((await fails(client.call('plugin.reload', {}))).code).toBe('FEATURE_DISABLED');
  });

  it('aistack plugin approve shows the manifest and hash and asks first', async () => {
    const { d } = await pluginDaemon(['good']);
    const cli = (args: string[], input?: string) =>
      runCli(['--socket', d.socketPath, '--no-autostart', 'plugin', ...args], {}, input);

    const declined = await cli(['approve', 'good'], 'n\n');
    expect(declined.code).toBe(1);
    expect(declined.stdout).toMatch(/plugin\s+good 1\.0\.0/);
    expect(declined.stdout).toMatch(/hash\s+[0-9a-f]{64}/);
    expect(declined.stdout).toContain('plugin.good.greet — Says hello to params.name.');
    expect(declined.stderr).toMatch(/Approve plugin good with hash [0-9a-f]{64}\? \[y\/N\]/);

    const accepted = await cli(['approve', 'good'], 'y\n');
    expect(accepted.code).toBe(0);
    expect(accepted.stdout).toMatch(/approved good \([0-9a-f]{64}\); state: loaded/);
    const list = await cli(['list']);
    expect(list.stdout).toMatch(/good\s+1\.0\.0\s+loaded/);
    const called = await cli(['call', 'good.greet', '--params', '{"name":"cli"}', '--json']);
    expect(JSON.parse(called.stdout)).toEqual({ greeting: 'hello, cli', sessionId: null });
  });
});
