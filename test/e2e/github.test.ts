import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { RpcError } from '../../src/clients/client.js';
import { auditRecords } from '../helpers/audit.js';
import {
  cleanupAll,
  connectTo,
  spawnDaemon,
  startDaemon,
  tempDir,
  writeConfig,
} from '../helpers/daemon.js';
import { installFakeGh } from '../helpers/fake-gh.js';

afterEach(cleanupAll);

describe('github.* through the daemon', () => {
  it('runs gh with literal arguments when enabled', async () => {
    const gh = installFakeGh(tempDir('aistack-gh-'));
    const d = await startDaemon({
      config: { github: { enabled: true, timeoutMs: 5000 } },
      env: gh.env({ PATH: dirname(process.execPath), GH_TOKEN: 'ghp_' + 'T'.repeat(36) }),
    });
    const c = await d.client();
    const title = '--help $(touch /tmp/aistack-pwned) `id`; rm -rf /';
    const created = await c.call('github.issue.create', {
      repo: 'octo/hello',
      title,
      body: '-R evil/repo\nline two',
    });
    expect(created.url).toMatch(/^https:\/\/github\.com\/octo\/hello\/issues\/\d+$/);
    const call = gh.calls().at(-1)!;
    expect(call.flags.title).toBe(title);
    expect(call.flags.repo).toBe('octo/hello');
    expect(auditRecords(d).find((r) => r.event === 'github.call')).toMatchObject({
      method: 'github.issue.create',
      repo: 'octo/hello',
      exitCode: 0,
    });
    expect(d.logs()).not.toContain('T'.repeat(36));
  });

  it('gives gh only allowlisted variables of the daemon environment: no provider key, nothing else', async () => {
    const dir = tempDir();
    const gh = installFakeGh(tempDir('aistack-gh-'));
    const config = writeConfig(dir, { github: { enabled: true, ghPath: gh.path } });
    const secrets = {
      ANTHROPIC_API_KEY: 'sk-ant-api03-' + 'A'.repeat(40),
      OPENAI_API_KEY: 'sk-proj-' + 'O'.repeat(40),
      AISTACK_DB_PASSWORD: 'not-for-gh-' + 'P'.repeat(20),
    };
    const ghToken = 'ghp_' + 'G'.repeat(36);
    const d = await spawnDaemon(
      dir,
      ['--config', config],
      gh.env({
        PATH: dirname(process.execPath),
        ...secrets,
        GH_TOKEN: ghToken,
        GH_HOST: 'github.example.com',
        LANG: 'C.UTF-8',
        LC_ALL: 'C.UTF-8',
        TZ: 'UTC',
        NODE_OPTIONS: '--max-old-space-size=512',
        SHELL: '/bin/sh',
      }),
    );
    const c = await connectTo(d);
    await c.call('github.issue.create', { repo: 'octo/hello', title: 't', body: 'b' });
    c.close();
    const { env } = gh.calls().at(-1)!;
    expect(env).toMatchObject({
      GH_TOKEN: ghToken,
      GH_HOST: 'github.example.com',
      HOME: dir,
      LANG: 'C.UTF-8',
      LC_ALL: 'C.UTF-8',
      TZ: 'UTC',
      XDG_CONFIG_HOME: join(dir, 'xdg-config'),
    });
    expect(env.PATH).toContain(gh.binDir);
    const allowed = new Set([
      ...['PATH', 'HOME', 'LANG', 'LANGUAGE', 'TZ', 'TMPDIR', 'NO_COLOR'],
      ...['GITHUB_TOKEN', 'GITHUB_ENTERPRISE_TOKEN', 'DBUS_SESSION_BUS_ADDRESS'],
      ...['HTTPS_PROXY', 'HTTP_PROXY', 'NO_PROXY', 'https_proxy', 'http_proxy', 'no_proxy'],
      ...['SSL_CERT_FILE', 'SSL_CERT_DIR'],
    ]);
    const outside = Object.keys(env).filter((n) => !allowed.has(n) && !/^(GH_|LC_|XDG_)/.test(n));
    expect(outside).toEqual([]);
    const text = JSON.stringify(env);
    for (const [name, value] of Object.entries(secrets)) {
      expect(env[name], name).toBeUndefined();
      expect(text).not.toContain(value);
    }
  });

  it('answers FEATURE_DISABLED when off, and audits the refusal', async () => {
    const d = await startDaemon();
    const c = await d.client();
    const err = await c.call('github.repo.view', { repo: 'octo/hello' }).catch((e: RpcError) => e);
    expect(err).toBeInstanceOf(RpcError);
    expect((err as RpcError).code).toBe('FEATURE_DISABLED');
    expect(auditRecords(d).some((r) => r.event === 'github.refused')).toBe(true);
  });
});
