import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { RpcError } from '../../src/clients/client.js';
import {
  cleanupAll,
  connectTo,
  ownerToken,
  spawnDaemon,
  tempDir,
  writeConfig,
} from '../helpers/daemon.js';
import { rawSocket } from '../helpers/raw-socket.js';

afterEach(cleanupAll);

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name));
}

describe('secrets', () => {
  it('keeps a configured API key out of every log file and every response', async () => {
    const dir = tempDir();
    const key = `sk-ant-api03-${randomBytes(30).toString('base64url')}`;
    const configPath = writeConfig(dir, {
      providers: { anthropic: { apiKey: '${ANTHROPIC_API_KEY}' } },
    });
    const d = await spawnDaemon(dir, ['--config', configPath, '--log-file'], {
      ANTHROPIC_API_KEY: key,
    });
    const replies: string[] = [];
    const c = await connectTo(d);
    const attempts = [
      () => c.call('system.ping', { delayMs: key as unknown as number }),
      () => c.call('system.ping', { apiKey: key } as never),
      () => c.call(key as never),
    ];
    for (const attempt of attempts) {
      const err = await attempt().catch((e: RpcError) => e);
      expect(err).toBeInstanceOf(RpcError);
      replies.push(
        JSON.stringify({ message: (err as RpcError).message, data: (err as RpcError).data }),
      );
    }
    const raw = await rawSocket(d.socketPath, ownerToken(d));
    raw.send(`{"jsonrpc":"2.0","id":1,"method":"system.ping","params":{"x":"${key}"\n`);
    replies.push(JSON.stringify(await raw.next()));
    // A config file broken in a way whose parser error quotes the file — key included.
    writeFileSync(configPath, `{"providers": {"anthropic": {"apiKey": "${key}" oops}}}`);
    const reload = await c.call('config.reload').catch((e: RpcError) => e);
    expect(reload).toBeInstanceOf(RpcError);
    expect((reload as RpcError).code).toBe('CONFLICT');
    replies.push(
      JSON.stringify({ message: (reload as RpcError).message, data: (reload as RpcError).data }),
    );
    d.child.kill('SIGHUP');
    raw.send(
      `{"jsonrpc":"2.0","id":2,"method":"system.ping","params":{"pad":"${key}${'x'.repeat(5 * 1024 * 1024)}"}}\n`,
    );
    replies.push(JSON.stringify(await raw.next()));
    await raw.closed;
    c.close();
    d.child.kill('SIGTERM');
    expect(await d.exited).toBe(0);

    for (const reply of replies) expect(reply).not.toContain(key);
    const logs = filesUnder(d.dataDir).filter((f) => f.includes('log'));
    expect(logs.length).toBeGreaterThan(0);
    for (const file of filesUnder(d.dataDir)) {
      expect(readFileSync(file).includes(key), file).toBe(false);
    }
    const logText = logs.map((f) => readFileSync(f, 'utf8')).join('');
    expect(logText).toMatch(/config reload failed/);
    expect(logText).toContain(`sk-ant-…${key.slice(-4)}`);
    expect(d.output()).not.toContain(key);
    for (const f of logs) expect(statSync(f).mode & 0o777).toBe(0o600);
  });
});
