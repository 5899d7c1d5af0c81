/**
 * Every connection authenticates, and every method's scope is enforced in the daemon:
 * tried as an attacker would — a local client without the owner token, a guessed token,
 * a read-only token reaching for writes and for the owner's methods, a token revoked
 * while its connection stays open.
 */
import { chmodSync, existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AistackClient, RpcError } from '../../src/clients/client.js';
import { auditRecords } from '../helpers/audit.js';
import {
  cleanupAll,
  ownerToken,
  runCli,
  spawnDaemon,
  startDaemon,
  tempDir,
} from '../helpers/daemon.js';
import { openSession } from '../helpers/session.js';

afterEach(cleanupAll);

const mode = (p: string) => statSync(p).mode & 0o777;

/** The error code a call fails with (or 'ok'). */
const outcome = (p: Promise<unknown>) =>
  p.then(
    () => 'ok',
    (e: unknown) => (e instanceof RpcError ? e.code : String(e)),
  );

describe('authentication', () => {
  it('keeps the owner token 0600 in the data dir and beside the socket, the same across restarts', async () => {
    const dir = tempDir();
    const first = await spawnDaemon(dir);
    const inDataDir = join(first.dataDir, 'owner.token');
    expect(mode(inDataDir)).toBe(0o600);
    expect(mode(`${first.socketPath}.token`)).toBe(0o600);
    const token = ownerToken(first);
    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);
    expect(existsSync(`${first.socketPath}.token`)).toBe(false);
    const second = await spawnDaemon(dir);
    expect(ownerToken(second)).toBe(token);
  });

  it('refuses to start on an owner token file others may read, and never rewrites it', async () => {
    const dir = tempDir();
    const first = await spawnDaemon(dir);
    const token = ownerToken(first);
    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);
    const path = join(first.dataDir, 'owner.token');
    chmodSync(path, 0o644);
    const refused = await spawnDaemon(dir).catch((e: Error) => e);
    expect(String(refused)).toMatch(/owner\.token is readable by others.*chmod 600/s);
    expect(readFileSync(path, 'utf8').trim()).toBe(token);
    expect(mode(path)).toBe(0o644);
  });

  it('a client without the owner token can do nothing but learn how to authenticate', async () => {
    const d = await startDaemon();
    const owner = await d.client();
    const victim = await openSession(owner);
    await owner.call('memory.store', { key: 'plan', content: 'private plan', ...victim.creds });

    const stranger = await AistackClient.connect(d.socketPath); // no token presented
    const attempts = {
      list: stranger.call('session.list'),
      export: stranger.call('memory.export', { namespace: victim.namespace }),
      backup: stranger.call('backup.create', { out: join(d.dir, 'stolen.db') }),
      end: stranger.call('session.end', { sessionId: victim.id, force: true }),
      read: stranger.call('memory.get', { key: 'plan', namespace: victim.namespace }),
      ping: stranger.call('system.ping'),
    };
    for (const [what, p] of Object.entries(attempts))
      expect(await outcome(p), what).toBe('UNAUTHENTICATED');
    const err = (await stranger.call('system.status').catch((e: unknown) => e)) as RpcError;
    expect(err.message).toMatch(/auth\.hello.*owner\.token/);
    const guessed = await outcome(stranger.call('auth.hello', { token: `ast_${'A'.repeat(43)}` }));
    expect(guessed).toBe('UNAUTHENTICATED');
    expect(await outcome(stranger.call('session.list'))).toBe('UNAUTHENTICATED');

    expect(existsSync(join(d.dir, 'stolen.db'))).toBe(false);
    expect(await owner.call('session.status', victim.creds)).toMatchObject({
      session: { id: victim.id },
    });
    const refusals = auditRecords(d).filter(
      (r) => r.event === 'request.refused' && r.code === 'UNAUTHENTICATED',
    );
    expect(refusals.length).toBeGreaterThanOrEqual(8);
    expect(JSON.stringify(auditRecords(d))).not.toContain('A'.repeat(43));
  });

  it('a memory:read token reads, but cannot store, list sessions, export, back up or end sessions', async () => {
    const d = await startDaemon();
    const owner = await d.client();
    await owner.call('memory.store', {
      key: 'shared-note',
      content: 'visible to readers',
      namespace: 'team',
      ...(await openSession(owner)).creds,
    });
    const victim = await openSession(owner);
    const { token, info } = await owner.call('token.create', {
      name: 'reader',
      scopes: ['memory:read'],
    });
    expect(info).toMatchObject({ name: 'reader', scopes: ['memory:read'], revokedAt: null });
    expect(JSON.stringify(await owner.call('token.list'))).not.toContain(token);

    const reader = await AistackClient.connect(d.socketPath, { token });
    expect(
      await reader.call('memory.get', { key: 'shared-note', namespace: 'team' }),
    ).toMatchObject({
      entry: { content: 'visible to readers' },
    });
    const attempts = {
      store: reader.call('memory.store', {
        key: 'x',
        content: 'y',
        namespace: 'team',
        ...victim.creds,
      }),
      start: reader.call('session.start'),
      list: reader.call('session.list'),
      export: reader.call('memory.export', { namespace: victim.namespace }),
      backup: reader.call('backup.create', { out: join(d.dir, 'stolen.db') }),
      end: reader.call('session.end', { sessionId: victim.id, force: true }),
      tokens: reader.call('token.create', { name: 'escalate', scopes: ['admin'] }),
    };
    for (const [what, p] of Object.entries(attempts))
      expect(await outcome(p), what).toBe('FORBIDDEN');
    expect(existsSync(join(d.dir, 'stolen.db'))).toBe(false);
    expect((await owner.call('token.list')).tokens.map((t) => t.name)).toEqual(['reader']);
    expect(auditRecords(d).filter((r) => r.code === 'FORBIDDEN').length).toBeGreaterThanOrEqual(7);
  });

  it('a session holder without admin cannot force-end another session', async () => {
    const d = await startDaemon();
    const owner = await d.client();
    const victim = await openSession(owner);
    const { token } = await owner.call('token.create', {
      name: 'tool',
      scopes: ['sessions', 'memory:read', 'memory:write'],
    });
    const tool = await AistackClient.connect(d.socketPath, { token });
    const own = await openSession(tool);
    expect(await outcome(tool.call('session.end', { sessionId: victim.id, force: true }))).toBe(
      'FORBIDDEN',
    );
    expect(
      await outcome(tool.call('session.end', { sessionId: victim.id, sessionToken: own.token })),
    ).toBe('SESSION_INVALID');
    expect(await tool.call('session.end', own.creds)).toMatchObject({ ended: true });
    expect(await owner.call('session.status', victim.creds)).toMatchObject({
      session: { id: victim.id },
    });
  });

  it('a revoked token loses its authority on the connection it already opened', async () => {
    const d = await startDaemon();
    const owner = await d.client();
    const { token } = await owner.call('token.create', {
      name: 'short-lived',
      scopes: ['system:read'],
    });
    const holder = await AistackClient.connect(d.socketPath, { token });
    expect(await holder.call('system.ping')).toMatchObject({ pong: true });
    expect((await owner.call('token.list')).tokens[0]!.lastUsedAt).not.toBeNull();
    expect(await owner.call('token.revoke', { name: 'short-lived' })).toMatchObject({
      revoked: true,
    });
    expect(await outcome(holder.call('system.ping'))).toBe('UNAUTHENTICATED');
    expect(await outcome(AistackClient.connect(d.socketPath, { token }))).toBe('UNAUTHENTICATED');
    const events = auditRecords(d).map((r) => r.event);
    expect(events).toEqual(expect.arrayContaining(['token.created', 'token.revoked']));
  });

  it('the CLI creates, uses, lists and revokes scoped tokens', async () => {
    const d = await startDaemon();
    const flags = ['--socket', d.socketPath, '--data-dir', d.dataDir, '--no-autostart'];
    const created = await runCli([
      ...flags,
      'token',
      'create',
      '--name',
      'ci',
      '--scope',
      'memory:read',
    ]);
    expect(created.code).toBe(0);
    const token = created.stdout.trim();
    expect(token).toMatch(/^ast_[A-Za-z0-9_-]{43}$/);
    expect(created.stderr).toMatch(/not shown again/);

    const asReader = { AISTACK_TOKEN: token };
    expect((await runCli([...flags, 'memory', 'list', '--json'], asReader)).code).toBe(0);
    const store = await runCli([...flags, 'memory', 'store', 'k', 'text', '-n', 'team'], asReader);
    expect(store.code).toBe(1);
    expect(store.stderr).toMatch(/needs the (sessions|memory:write) scope.*\[FORBIDDEN\]/);

    const listed = JSON.parse((await runCli([...flags, '--json', 'token', 'list'])).stdout);
    expect(listed.tokens[0]).toMatchObject({
      name: 'ci',
      scopes: ['memory:read'],
      revokedAt: null,
    });
    expect(JSON.stringify(listed)).not.toContain(token);
    expect((await runCli([...flags, 'token', 'revoke', 'ci'])).code).toBe(0);
    const after = await runCli([...flags, 'memory', 'list'], asReader);
    expect(after.code).toBe(1);
    expect(after.stderr).toMatch(/UNAUTHENTICATED/);
  });
});
