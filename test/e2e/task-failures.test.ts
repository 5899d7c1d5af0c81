import Database from 'better-sqlite3';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { auditRecords } from '../helpers/audit.js';
import { cleanupAll } from '../helpers/daemon.js';
import {
  daemonWithStubs as start,
  fails,
  filesContaining,
  until,
} from '../helpers/provider-daemon.js';
import type { ProviderStub, StubMode } from '../helpers/provider-stubs.js';
import { openSession } from '../helpers/session.js';

let stubs: ProviderStub[] = [];
afterEach(async () => {
  await cleanupAll();
  await Promise.all(stubs.map((s) => s.stop()));
  stubs = [];
});

const daemonWithStubs = (config?: Record<string, unknown>, options?: Parameters<typeof start>[2]) =>
  start(stubs, config, options);
/** A stub that hangs is never given up on by the daemon before the test stops the run. */
const PATIENT = { providerTimeoutMs: 60_000 };
/** "At once": far below PATIENT's provider timeout, yet room for a busy machine. */
const AT_ONCE_MS = 10_000;
const PROVIDERS = ['anthropic', 'openai', 'ollama'] as const;

/** What the caller hears for each stand-in misbehaviour. */
const EXPECTED: Record<
  Exclude<StubMode, 'ok' | 'wrong-shape' | 'rate-limit-once'>,
  { code: string; reason?: string; message: RegExp }
> = {
  unauthorized: {
    code: 'PROVIDER_FAILURE',
    reason: 'auth',
    message:
      /refused the request \(HTTP 401\): check the API key for \w+ \(providers\.\w+\.apiKey\)/,
  },
  'server-error': {
    code: 'PROVIDER_FAILURE',
    reason: 'provider_error',
    message: /provider error \(HTTP 500\) after 1 retry/,
  },
  malformed: {
    code: 'PROVIDER_FAILURE',
    reason: 'bad_response',
    message: /returned an unexpected response body/,
  },
  hang: {
    code: 'TIMEOUT',
    message:
      /^task [0-9a-f-]{36} timed out after 300 ms waiting for \w+; a run may take up to tasks\.timeoutMs \(120000 ms\)$/,
  },
};

describe('task.run when the provider misbehaves', () => {
  it('gives a clear error for 401, 500, a hang and a malformed body, retries a 429, and never shows the key', async () => {
    const { d, stubs: s, keys } = await daemonWithStubs();
    const c = await d.client();
    const me = await openSession(c);
    const wire: unknown[] = [];
    for (const provider of PROVIDERS) {
      const stub = s[provider];
      for (const [mode, want] of Object.entries(EXPECTED)) {
        stub.mode = mode as StubMode;
        for (const stream of [false, true]) {
          const { task } = await c.call('task.create', { input: `try ${mode}`, ...me.creds });
          const err = await fails(
            c.call('task.run', {
              taskId: task.id,
              provider,
              stream,
              // Only the hang waits for the task timeout; the rest must fail on their own.
              ...(mode === 'hang' ? { timeoutMs: 300 } : {}),
              ...me.creds,
            }),
          );
          const what = `${provider} ${mode} stream=${stream}: ${err.message}`;
          expect(err.code, what).toBe(want.code);
          expect(err.message, what).toMatch(want.message);
          if (want.reason) expect(err.data, what).toMatchObject({ provider, reason: want.reason });
          const { task: failed } = await c.call('task.get', { taskId: task.id, ...me.creds });
          expect(failed, what).toMatchObject({
            status: 'failed',
            provider,
            output: null,
            usage: null,
          });
          expect(failed.error, what).toBe(mode === 'hang' ? 'timed out after 300 ms' : err.message);
          wire.push(err.message, err.data, failed);
        }
      }
      stub.mode = 'rate-limit-once';
      const before = stub.requests.length;
      const { task } = await c.call('task.create', { input: 'after a 429', ...me.creds });
      const ok = await c.call('task.run', { taskId: task.id, provider, ...me.creds });
      expect(ok.task.status).toBe('completed');
      expect(stub.requests.length - before).toBe(2);
      wire.push(ok);
      stub.mode = 'ok';
    }
    // The stand-ins echo the key in their error bodies; it must reach nothing.
    const everything = JSON.stringify(wire);
    for (const key of Object.values(keys)) {
      expect(everything).not.toContain(key);
      expect(d.logs()).not.toContain(key);
    }
    await d.stop(); // flushes the database and closes the audit file
    for (const key of Object.values(keys)) expect(filesContaining(d.dataDir, key)).toEqual([]);
    expect(filesContaining(d.dataDir, 'try malformed').length).toBeGreaterThan(0); // the scan reads the db
  });
});

describe('stopping a running task', () => {
  it('ending the session stops its agents and cancels its tasks; the hanging run fails at once', async () => {
    const { d, stubs: s } = await daemonWithStubs({}, PATIENT);
    const c = await d.client();
    const me = await openSession(c);
    const { agent } = await c.call('agent.spawn', { type: 'coder', ...me.creds });
    const { task } = await c.call('task.create', { input: 'slow', agentId: agent.id, ...me.creds });
    const { task: waiting } = await c.call('task.create', { input: 'later', ...me.creds });
    s.anthropic.mode = 'hang';
    const run = fails(c.call('task.run', { taskId: task.id, ...me.creds }));
    await until(() => s.anthropic.requests.length === 1);
    const other = await d.client();
    const began = Date.now();
    const ended = await other.call('session.end', me.creds);
    expect(ended).toMatchObject({ stoppedAgents: 1, cancelledTasks: 2 });
    const err = await run;
    expect(Date.now() - began).toBeLessThan(AT_ONCE_MS);
    expect(err.code).toBe('CONFLICT');
    expect(err.message).toBe(`task ${task.id} was cancelled: the session ended`);
    expect(err.data).toMatchObject({ reason: 'cancelled', cause: 'session_ended' });
    const db = d.daemon.db;
    const status = (id: string) =>
      db.prepare('SELECT status, error FROM tasks WHERE id = ?').get(id) as { status: string };
    expect(status(task.id)).toEqual({ status: 'cancelled', error: 'cancelled: the session ended' });
    expect(status(waiting.id).status).toBe('cancelled');
    expect(db.prepare('SELECT status FROM agents WHERE id = ?').pluck().get(agent.id)).toBe(
      'stopped',
    );
    expect(auditRecords(d).find((r) => r.event === 'session.end')).toMatchObject({
      sessionId: me.id,
      stoppedAgents: 1,
      cancelledTasks: 2,
    });
  });

  it('task.cancel, agent.stop and a client hanging up each abort a run in flight', async () => {
    const { d, stubs: s } = await daemonWithStubs({}, PATIENT);
    const c = await d.client();
    const me = await openSession(c);
    s.openai.mode = 'hang';
    const { agent } = await c.call('agent.spawn', { type: 'tester', ...me.creds });
    const started = () => s.openai.requests.length;
    const runOne = async (agentId?: string) => {
      const { task } = await c.call('task.create', {
        input: 'hang',
        provider: 'openai',
        ...(agentId ? { agentId } : {}),
        ...me.creds,
      });
      const before = started();
      const runner = await d.client();
      const run = fails(runner.call('task.run', { taskId: task.id, ...me.creds }));
      await until(() => started() > before);
      return { id: task.id, run, runner };
    };
    const a = await runOne();
    expect((await c.call('task.cancel', { taskId: a.id, ...me.creds })).task.status).toBe(
      'cancelled',
    );
    expect((await a.run).data).toMatchObject({ reason: 'cancelled', cause: 'cancelled' });

    const b = await runOne(agent.id);
    expect(await c.call('agent.stop', { agentId: agent.id, ...me.creds })).toMatchObject({
      stopped: true,
      cancelledTasks: 1,
    });
    expect((await b.run).message).toBe(`task ${b.id} was cancelled: its agent was stopped`);

    const gone = await runOne();
    gone.runner.close();
    await until(
      () =>
        (d.daemon.db
          .prepare('SELECT status FROM tasks WHERE id = ?')
          .pluck()
          .get(gone.id) as string) === 'cancelled',
    );
    const { task } = await c.call('task.get', { taskId: gone.id, ...me.creds });
    expect(task.error).toBe('cancelled: the client that ran it disconnected');
  });

  it('daemon shutdown cancels a run in flight instead of waiting for it', async () => {
    const { d, stubs: s } = await daemonWithStubs({ daemon: { shutdownGraceMs: 20_000 } }, PATIENT);
    const c = await d.client();
    const me = await openSession(c);
    s.ollama.mode = 'hang';
    const { task } = await c.call('task.create', { input: 'x', provider: 'ollama', ...me.creds });
    void c.call('task.run', { taskId: task.id, ...me.creds }).catch(() => undefined);
    await until(() => s.ollama.requests.length === 1);
    const began = Date.now();
    await d.stop();
    expect(Date.now() - began).toBeLessThan(AT_ONCE_MS);
    const db = new Database(join(d.dataDir, 'aistack.db'), { readonly: true });
    try {
      expect(db.prepare('SELECT status, error FROM tasks WHERE id = ?').get(task.id)).toEqual({
        status: 'cancelled',
        error: 'cancelled: the daemon stopped',
      });
    } finally {
      db.close();
    }
  });
});
