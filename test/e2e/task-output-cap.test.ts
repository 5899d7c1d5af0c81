import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { cleanupAll, connectTo, spawnDaemon, tempDir, writeConfig } from '../helpers/daemon.js';
import { startFloodProvider, type FloodProvider } from '../helpers/flood-provider.js';
import { fails } from '../helpers/provider-daemon.js';
import { openSession } from '../helpers/session.js';

let flood: FloodProvider | undefined;
afterEach(async () => {
  await cleanupAll();
  await flood?.stop();
  flood = undefined;
});

/** An odd cap, so it falls inside a delta (and near a two-byte character). */
const CAP = 1_000_001;
/** Larger than any growth the test allows: reading it to the end could not pass. */
const FLOOD = 100 * 1024 * 1024;
/** What the daemon's peak may grow by over the four measured runs, in MB (measured: ~50, 81 once under load). */
const MAX_GROWTH_MB = 90;

/** The daemon's resident memory now and at its peak, in MB (Linux /proc). */
function memoryOf(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)![1]);
  return { rss: kb('VmRSS') / 1024, peak: kb('VmHWM') / 1024 };
}

describe('tasks.maxOutputBytes', () => {
  it('stops a provider that streams 100 MB at the cap, fails the task naming the limit, keeps the output up to it, and stays small', async () => {
    flood = await startFloodProvider(FLOOD);
    const dir = tempDir();
    const common = { maxRetries: 0, timeoutMs: 60_000 };
    const config = writeConfig(dir, {
      tasks: { maxOutputBytes: CAP },
      providers: {
        anthropic: { apiKey: '${ANTHROPIC_API_KEY}', baseURL: flood.url, ...common },
        openai: { apiKey: '${OPENAI_API_KEY}', baseURL: `${flood.url}/v1`, ...common },
        ollama: { baseURL: flood.url, model: 'tiny', ...common },
      },
    });
    const d = await spawnDaemon(dir, ['--config', config], {
      ANTHROPIC_API_KEY: 'sk-ant-api03-flood-test-key-000000000000',
      OPENAI_API_KEY: 'sk-proj-flood-test-key-0000000000000000',
    });
    const c = await connectTo(d, { timeoutMs: 120_000 });
    const me = await openSession(c);
    let streamed = 0;
    c.onNotification((method, params) => {
      if (method === 'task.output')
        streamed += Buffer.byteLength((params as { delta: string }).delta);
    });
    let i = 0;
    const floodTask = async (provider: 'anthropic' | 'openai' | 'ollama', stream: boolean) => {
      const { task } = await c.call('task.create', { input: `flood ${provider}`, ...me.creds });
      const err = await fails(
        c.call('task.run', { taskId: task.id, provider, stream, ...me.creds }),
      );
      const what = `${provider} stream=${stream}: ${err.message}`;
      expect(err.code, what).toBe('PROVIDER_FAILURE');
      expect(err.message, what).toMatch(
        new RegExp(
          `output passed tasks\\.maxOutputBytes \\(${CAP} bytes\\); the call to ${provider} was stopped`,
        ),
      );
      expect(err.data, what).toMatchObject({
        reason: 'output_limit',
        maxOutputBytes: CAP,
        provider,
      });
      const { task: failed } = await c.call('task.get', { taskId: task.id, ...me.creds });
      expect(failed.status, what).toBe('failed');
      expect(failed.error, what).toBe(err.message);
      const kept = Buffer.byteLength(failed.output ?? '');
      expect(kept, what).toBeLessThanOrEqual(CAP);
      expect(kept, what).toBeGreaterThan(CAP - 4);
      // The provider was cut off, not read to its end.
      await flood!.ended(i);
      expect(flood!.sent[i++]!, what).toBeLessThan(FLOOD / 2);
    };
    // A provider's first call loads its SDK (once, by design): both load before measuring.
    await floodTask('anthropic', false);
    await floodTask('openai', false);
    const before = memoryOf(d.child.pid!);
    await floodTask('anthropic', false);
    await floodTask('openai', false);
    await floodTask('ollama', false);
    await floodTask('anthropic', true);
    // Only the streamed run sent deltas to the caller, and no more than the cap.
    expect(streamed).toBeGreaterThan(CAP - 4);
    expect(streamed).toBeLessThanOrEqual(CAP);
    const after = memoryOf(d.child.pid!);
    // Four runs of a 100 MB answer each: the daemon's peak grows by far less than one of them.
    console.log(
      `daemon memory: rss before ${before.rss.toFixed(0)} MB, after ${after.rss.toFixed(0)} MB, peak ${after.peak.toFixed(0)} MB; provider bytes sent per run: ${flood.sent.join(', ')}`,
    );
    expect(after.peak - before.rss).toBeLessThan(MAX_GROWTH_MB);
    c.close();
  });
});
