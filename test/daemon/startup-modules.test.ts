/**
 * The daemon starts without the provider SDKs (about a third of its start and ~7 MB of
 * heap) and loads one when a provider is first called. Watched from inside a real
 * aistackd: a resolve hook preloaded with `--import` logs every module it loads.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import {
  cleanupAll,
  connectTo,
  ROOT,
  spawnDaemon,
  tempDir,
  writeConfig,
} from '../helpers/daemon.js';
import { startAnthropicStub, type ProviderStub } from '../helpers/provider-stubs.js';
import { waitFor } from '../helpers/wait.js';

const REGISTER = pathToFileURL(join(ROOT, 'test', 'helpers', 'module-log', 'register.mjs')).href;
const SDK = /\/node_modules\/(openai|@anthropic-ai\/sdk)\//;

let stubs: ProviderStub[] = [];
afterEach(async () => {
  await cleanupAll();
  await Promise.all(stubs.map((s) => s.stop()));
  stubs = [];
});

const loaded = (log: string) => (existsSync(log) ? readFileSync(log, 'utf8').split('\n') : []);

describe('daemon start', () => {
  it('loads no provider SDK until a provider is called, even with keys configured', async () => {
    const anthropic = await startAnthropicStub();
    stubs.push(anthropic);
    const dir = tempDir();
    const log = join(dir, 'modules.log');
    const config = writeConfig(dir, {
      providers: {
        anthropic: { apiKey: '${ANTHROPIC_API_KEY}', baseURL: anthropic.baseURL, maxRetries: 0 },
        openai: { apiKey: '${OPENAI_API_KEY}', baseURL: anthropic.baseURL, maxRetries: 0 },
      },
    });
    const d = await spawnDaemon(dir, ['--config', config], {
      NODE_OPTIONS: `--import ${REGISTER}`,
      AISTACK_TEST_MODULE_LOG: log,
      ANTHROPIC_API_KEY: 'sk-ant-api03-startup-modules-test-key',
      OPENAI_API_KEY: 'sk-proj-startup-modules-test-key',
    });
    const c = await connectTo(d);
    try {
      const list = await c.call('provider.list');
      expect(list.providers.map((p) => p.name).sort()).toEqual(['anthropic', 'openai']);
      // The hook saw the daemon's own modules (it works), and no SDK among them.
      expect(loaded(log).some((u) => u.includes('/node_modules/better-sqlite3/'))).toBe(true);
      expect(loaded(log).filter((u) => SDK.test(u))).toEqual([]);

      anthropic.replyText = 'pong';
      const tested = await c.call('provider.test', { name: 'anthropic' });
      expect(tested).toMatchObject({ provider: 'anthropic', reply: 'pong' });
      await waitFor(
        () => loaded(log).some((u) => u.includes('/node_modules/@anthropic-ai/sdk/')),
        'the Anthropic SDK loaded by the first call',
      );
      expect(loaded(log).some((u) => u.includes('/node_modules/openai/'))).toBe(false);
    } finally {
      c.close();
    }
  });
});
