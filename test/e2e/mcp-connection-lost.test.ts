/**
 * The MCP shim tells the model the truth when the daemon vanishes mid-call: the call
 * may or may not have taken effect (the client sees a dropped connection, not an error
 * answer), and nothing else is claimed.
 */
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { cleanupAll, spawnDaemon, tempDir, writeConfig } from '../helpers/daemon.js';
import { closeAllShims, dataOf, spawnShim, textOf } from '../helpers/mcp.js';
import { startAnthropicStub, type ProviderStub } from '../helpers/provider-stubs.js';

const stubs: ProviderStub[] = [];
afterEach(async () => {
  await closeAllShims();
  await cleanupAll();
  await Promise.all(stubs.splice(0).map((s) => s.stop()));
});

it('a task_run cut off by the daemon dying says it may or may not have taken effect', async () => {
  const stub = await startAnthropicStub();
  stubs.push(stub);
  stub.mode = 'hang';
  const dir = tempDir();
  const config = writeConfig(dir, {
    providers: {
      anthropic: { apiKey: '${ANTHROPIC_API_KEY}', baseURL: stub.baseURL, timeoutMs: 60_000 },
    },
  });
  const d = await spawnDaemon(dir, ['--config', config], {
    ANTHROPIC_API_KEY: 'sk-ant-api03-test-key-0000000000000000',
  });
  const shim = await spawnShim({ socketPath: d.socketPath, dataDir: join(dir, 'data') });
  const created = await shim.call('task_create', { input: 'summarise the notes' });
  const taskId = dataOf(created).task.id as string;
  const run = shim.call('task_run', { taskId });
  while (stub.requests.length === 0) await new Promise((r) => setTimeout(r, 20));
  d.child.kill('SIGKILL');
  const result = await run;
  expect(result.isError).toBe(true);
  expect(textOf(result)).toMatch(
    /connection to the aistack daemon was lost.*may or may not have taken effect/,
  );
});
