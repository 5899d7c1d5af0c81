import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { RpcError } from '../../src/clients/client.js';
import { auditRecords } from '../helpers/audit.js';
import { cleanupAll, runCli, startDaemon } from '../helpers/daemon.js';
import { daemonWithStubs, fails, promptSeen } from '../helpers/provider-daemon.js';
import type { ProviderStub } from '../helpers/provider-stubs.js';
import { openSession } from '../helpers/session.js';

let stubs: ProviderStub[] = [];
afterEach(async () => {
  await cleanupAll();
  await Promise.all(stubs.map((s) => s.stop()));
  stubs = [];
});

const BUILT_IN = [
  'coder',
  'researcher',
  'tester',
  'reviewer',
  'adversarial',
  'architect',
  'coordinator',
  'analyst',
  'devops',
  'documentation',
  'security-auditor',
];

const translator = {
  name: 'translator',
  description: 'Translates text.',
  systemPrompt: 'You translate text into plain English.',
  capabilities: ['translation'],
};

describe('agent types', () => {
  it('lists the eleven built-ins and the configured types, without a session', async () => {
    const d = await startDaemon({
      config: {
        agents: {
          types: [
            translator,
            { name: 'coder', description: 'Our coder.', systemPrompt: 'You write Go only.' },
          ],
        },
      },
    });
    const c = await d.client();
    const { types } = await c.call('agent.types');
    expect(types.map((t) => t.name)).toEqual([...BUILT_IN, 'translator']);
    for (const t of types.filter((t) => t.source === 'builtin')) {
      expect(t.systemPrompt.length, t.name).toBeGreaterThan(150);
      expect(t.capabilities.length, t.name).toBeGreaterThan(2);
    }
    expect(types.find((t) => t.name === 'coder')).toMatchObject({
      source: 'config',
      systemPrompt: 'You write Go only.',
      capabilities: [],
    });
    expect(types.find((t) => t.name === 'translator')).toMatchObject({ source: 'config' });
    expect(types.find((t) => t.name === 'tester')).toMatchObject({ source: 'builtin' });
  });

  it('runs a task of a configured type with that type’s system prompt', async () => {
    const { d, stubs: s } = await daemonWithStubs(stubs, { agents: { types: [translator] } });
    const c = await d.client();
    const me = await openSession(c);
    const { agent } = await c.call('agent.spawn', { type: 'translator', ...me.creds });
    expect(agent).toMatchObject({ type: 'translator', capabilities: ['translation'] });
    const { task } = await c.call('task.create', {
      input: 'Bonjour',
      agentId: agent.id,
      ...me.creds,
    });
    await c.call('task.run', { taskId: task.id, provider: 'ollama', ...me.creds });
    expect(promptSeen(s.ollama).system).toBe('You translate text into plain English.');
  });

  it('are exposed to MCP clients under their tool names', async () => {
    const d = await startDaemon();
    const c = await d.client();
    const { methods } = await c.call('system.methods');
    const tools = Object.fromEntries(methods.map((m) => [m.name, m.mcpTool]));
    expect(tools).toMatchObject({
      'agent.spawn': 'agent_spawn',
      'agent.list': 'agent_list',
      'agent.stop': 'agent_stop',
      'agent.types': 'agent_types',
      'task.create': 'task_create',
      'task.run': 'task_run',
      'task.get': 'task_get',
      'task.list': 'task_list',
    });
  });
});

describe('agents of a session', () => {
  it('spawns, lists, reports and stops agents', async () => {
    const d = await startDaemon();
    const c = await d.client();
    const me = await openSession(c);
    const { agent: a } = await c.call('agent.spawn', { type: 'coder', name: 'alice', ...me.creds });
    const { agent: b } = await c.call('agent.spawn', { type: 'security-auditor', ...me.creds });
    expect(a).toMatchObject({ name: 'alice', status: 'active', sessionId: me.id, stoppedAt: null });
    expect(a.capabilities).toContain('code-generation');
    expect(b.name).toBe(`security-auditor-${b.id.slice(0, 8)}`);
    const { task } = await c.call('task.create', { input: 'x', agentId: a.id, ...me.creds });
    const status = await c.call('agent.status', { agentId: a.id, ...me.creds });
    expect(status.tasks).toEqual({ pending: 1, running: 0, completed: 0, failed: 0, cancelled: 0 });
    const stop = await c.call('agent.stop', { agentId: a.id, ...me.creds });
    expect(stop).toMatchObject({ stopped: true, cancelledTasks: 1, agent: { status: 'stopped' } });
    expect((await c.call('task.get', { taskId: task.id, ...me.creds })).task).toMatchObject({
      status: 'cancelled',
      error: 'cancelled: its agent was stopped',
    });
    expect((await c.call('agent.stop', { agentId: a.id, ...me.creds })).stopped).toBe(false);
    expect((await c.call('agent.list', me.creds)).agents.map((x) => x.id)).toEqual([b.id]);
    const all = await c.call('agent.list', { includeStopped: true, ...me.creds });
    expect(all.agents.map((x) => [x.id, x.status])).toEqual([
      [a.id, 'stopped'],
      [b.id, 'active'],
    ]);
    const unknown = await fails(c.call('agent.spawn', { type: 'wizard', ...me.creds }));
    expect(unknown.code).toBe('NOT_FOUND');
    expect(unknown.message).toMatch(/unknown agent type "wizard"; see agent.types/);
    expect((await fails(c.call('agent.spawn', { type: 'coder' }))).code).toBe('SESSION_REQUIRED');
  });

  it("answers another session's agent and task ids as NOT_FOUND and audits the attempt", async () => {
    const d = await startDaemon();
    const c = await d.client();
    const owner = await openSession(c);
    const intruder = await openSession(c);
    const { agent } = await c.call('agent.spawn', { type: 'coder', ...owner.creds });
    const { task } = await c.call('task.create', { input: 'mine', ...owner.creds });
    const tries: [string, Promise<unknown>][] = [
      ['agent.status', c.call('agent.status', { agentId: agent.id, ...intruder.creds })],
      ['agent.stop', c.call('agent.stop', { agentId: agent.id, ...intruder.creds })],
      ['task.get', c.call('task.get', { taskId: task.id, ...intruder.creds })],
      ['task.run', c.call('task.run', { taskId: task.id, ...intruder.creds })],
      ['task.cancel', c.call('task.cancel', { taskId: task.id, ...intruder.creds })],
      ['task.create', c.call('task.create', { input: 'x', agentId: agent.id, ...intruder.creds })],
    ];
    const missing = await fails(c.call('task.get', { taskId: 'no-such-task', ...intruder.creds }));
    for (const [method, call] of tries) {
      const err = (await fails(call)) as RpcError;
      expect(err.code, method).toBe('NOT_FOUND');
      // Same words as for an id that does not exist: nothing to probe.
      const kind = method.startsWith('agent') || method === 'task.create' ? 'agent' : 'task';
      expect(err.message, method).toBe(
        `no ${kind} ${kind === 'agent' ? agent.id : task.id} in this session`,
      );
    }
    expect(missing.message).toBe('no task no-such-task in this session');
    const denied = auditRecords(d).filter((r) => r.event === 'access.denied');
    expect(denied.map((r) => r.method)).toEqual(tries.map(([m]) => m));
    expect(denied.every((r) => r.sessionId === intruder.id)).toBe(true);
    expect(JSON.stringify(denied)).not.toContain(intruder.token);
    expect((await c.call('agent.list', intruder.creds)).agents).toEqual([]);
    expect((await c.call('task.list', intruder.creds)).tasks).toEqual([]);
    expect((await c.call('agent.status', { agentId: agent.id, ...owner.creds })).agent.status).toBe(
      'active',
    );
  });

  it('aistack agent spawn/list/stop work in the exported session and refuse without one', async () => {
    const d = await startDaemon();
    const c = await d.client();
    const me = await openSession(c);
    const env = { AISTACK_SOCKET: d.socketPath, HOME: d.dir, XDG_CONFIG_HOME: join(d.dir, 'xdg') };
    const session = { ...env, AISTACK_SESSION: `${me.id}:${me.token}` };
    const spawned = await runCli(
      ['--no-autostart', 'agent', 'spawn', 'devops', '--name', 'ops'],
      session,
    );
    expect(spawned.code).toBe(0);
    const id = spawned.stdout.trim();
    expect(spawned.stderr).toContain('spawned devops agent "ops"');
    const listed = await runCli(['--no-autostart', 'agent', 'list'], session);
    expect(listed.stdout).toMatch(new RegExp(`${id}\\s+devops\\s+ops\\s+active`));
    const stopped = await runCli(['--no-autostart', 'agent', 'stop', id], session);
    expect(stopped.stdout).toBe(`stopped agent ${id}: 0 tasks cancelled\n`);
    const types = await runCli(['--no-autostart', 'agent', 'types'], env);
    expect(types.code).toBe(0);
    expect(types.stdout).toMatch(/security-auditor\s+builtin/);
    const none = await runCli(['--no-autostart', 'agent', 'spawn', 'coder'], env);
    expect(none.code).toBe(1);
    expect(none.stderr).toContain(
      'agents belong to a session, and AISTACK_SESSION is not set: run `eval "$(aistack session start)"` first',
    );
  });
});
