import { dirname } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { RpcError } from '../../src/clients/client.js';
import { auditRecords } from '../helpers/audit.js';
import { cleanupAll, startDaemon, tempDir } from '../helpers/daemon.js';
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

  it('answers FEATURE_DISABLED when off, and audits the refusal', async () => {
    const d = await startDaemon();
    const c = await d.client();
    const err = await c.call('github.repo.view', { repo: 'octo/hello' }).catch((e: RpcError) => e);
    expect(err).toBeInstanceOf(RpcError);
    expect((err as RpcError).code).toBe('FEATURE_DISABLED');
    expect(auditRecords(d).some((r) => r.event === 'github.refused')).toBe(true);
  });
});
