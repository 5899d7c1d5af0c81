/**
 * `aistack mcp` end to end: the real shim (dist/), spawned by the official MCP SDK
 * client over stdio, against a real daemon on a temp socket.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { methodTable } from '../../src/protocol/table.js';
import {
  cleanupAll,
  connectTo,
  runCli,
  startDaemon,
  tempDir,
  type TestDaemon,
} from '../helpers/daemon.js';
import { installFakeGh } from '../helpers/fake-gh.js';
import { daemonWithStubs } from '../helpers/provider-daemon.js';
import type { ProviderStub } from '../helpers/provider-stubs.js';
import { openSession } from '../helpers/session.js';
import {
  closeAllShims,
  daemonAndTwoShims,
  dataOf,
  jsonSchemaProblems,
  schemaMismatches,
  spawnShim,
  textOf,
  type Shim,
} from '../helpers/mcp.js';

let stubs: ProviderStub[] = [];
afterEach(async () => {
  await closeAllShims();
  await cleanupAll();
  await Promise.all(stubs.map((s) => s.stop()));
  stubs = [];
});

const TOKEN_SHAPE = /ast_[A-Za-z0-9_-]{43}/;
const STACK_LINE = /\n\s+at .+:\d+/;

async function sessionOf(shim: Shim): Promise<{ id: string; namespace: string }> {
  const r = await shim.call('session_status');
  expect(r.isError, textOf(r)).toBeFalsy();
  return dataOf(r).session;
}

async function sessionRow(d: TestDaemon, id: string) {
  const c = await d.client();
  const { sessions } = await c.call('session.list', { includeEnded: true });
  return sessions.find((s) => s.id === id);
}

describe('aistack mcp: tools', () => {
  it('lists every public mcpTool of the method table (every feature on), plus session_active, each with a valid JSON Schema and no session fields', async () => {
    const d = await startDaemon({
      config: { github: { enabled: true }, providers: { ollama: {} } },
    });
    const shim = await spawnShim({ socketPath: d.socketPath });
    const { tools } = await shim.client.listTools();
    const expected = methodTable
      .filter((m) => m.access === 'public' && 'mcpTool' in m && m.mcpTool)
      .map((m) => (m as { mcpTool: string }).mcpTool);
    expect(tools.map((t) => t.name).sort()).toEqual([...expected, 'session_active'].sort());
    for (const m of methodTable.filter((m) => m.access === 'local'))
      expect(tools.map((t) => t.name)).not.toContain(m.name.replace(/\./g, '_'));
    for (const tool of tools) {
      expect(jsonSchemaProblems(tool.inputSchema), tool.name).toEqual([]);
      expect(tool.inputSchema.type).toBe('object');
      expect(tool.outputSchema, tool.name).toBeDefined();
      expect(tool.outputSchema!.type, tool.name).toBe('object');
      expect(jsonSchemaProblems(tool.outputSchema!), tool.name).toEqual([]);
      expect(JSON.stringify(tool.inputSchema), tool.name).not.toMatch(
        /sessionId|sessionToken|"force"/,
      );
      expect(tool.description!.length, tool.name).toBeGreaterThan(40);
    }
    expect(shim.client.getInstructions()).toMatch(/session:<id>.*shared namespace/s);
  });

  it("answers every listed tool with structuredContent that fits the tool's outputSchema exactly (Ajv)", async () => {
    const gh = installFakeGh(tempDir('aistack-gh-'));
    const { d } = await daemonWithStubs(stubs, { github: { enabled: true, ghPath: gh.path } });
    const shim = await spawnShim({ socketPath: d.socketPath });
    const { tools } = await shim.client.listTools();
    const output = new Map(tools.map((t) => [t.name, t.outputSchema!]));
    const seen = new Set<string>();
    const check = async (tool: string, args: Record<string, unknown> = {}) => {
      const r = await shim.call(tool, args);
      expect(r.isError, `${tool}: ${textOf(r)}`).toBeFalsy();
      expect(schemaMismatches(output.get(tool)!, r.structuredContent), tool).toEqual([]);
      seen.add(tool);
      return dataOf(r);
    };
    await check('session_active');
    await check('session_start');
    await check('session_status');
    await check('memory_store', { key: 'k', content: 'an entry about zebras', tags: ['t'] });
    await check('memory_store', { key: 'k', namespace: 'shared', content: 'zebras again' });
    await check('memory_get', { key: 'k' });
    await check('memory_search', { query: 'zebras' });
    await check('memory_list', {});
    await check('memory_append', { key: 'k', content: 'and more zebras' });
    await check('memory_history', { key: 'k' });
    await check('memory_restore_version', { key: 'k', version: 1 });
    await check('memory_link', {
      from: { key: 'k' },
      to: { key: 'k', namespace: 'shared' },
      type: 'same',
    });
    await check('memory_related', { key: 'k', depth: 2 });
    await check('memory_unlink', { from: { key: 'k' }, to: { key: 'k', namespace: 'shared' } });
    const since = new Date(Date.now() - 60_000).toISOString();
    await check('memory_store_many', {
      items: [
        { key: 'm1', content: 'one', ttlSeconds: 600 },
        { key: 'm2', content: 'two', namespace: 'shared' },
      ],
    });
    await check('memory_get_many', { items: [{ key: 'm1' }, { key: 'none' }] });
    await check('memory_delete_many', { prefix: 'm', dryRun: true });
    await check('memory_delete_many', { items: [{ key: 'm2', namespace: 'shared' }] });
    await check('memory_changes', { since });
    await check('memory_delete', { key: 'k' });
    await check('system_status');
    await check('system_health');
    await check('agent_types');
    const { agent } = await check('agent_spawn', { type: 'coder' });
    await check('agent_list', {});
    const { task } = await check('task_create', { input: 'do a thing', agentId: agent.id });
    await check('task_run', { taskId: task.id });
    await check('task_get', { taskId: task.id });
    await check('task_list', {});
    await check('agent_stop', { agentId: agent.id });
    await check('github_issue_create', { repo: 'octo/hello', title: 'a title' });
    gh.behave({ kind: 'ok', stdout: '[]' });
    await check('github_issue_list', { repo: 'octo/hello' });
    await check('github_pr_list', { repo: 'octo/hello' });
    gh.behave({
      kind: 'ok',
      stdout: JSON.stringify({
        name: 'hello',
        owner: { login: 'octo' },
        description: null,
        url: 'https://github.com/octo/hello',
        defaultBranchRef: { name: 'main' },
        visibility: 'PUBLIC',
        stargazerCount: 3,
      }),
    });
    await check('github_repo_view', { repo: 'octo/hello' });
    await check('session_end');
    expect(await check('session_end')).toMatchObject({ ended: false });
    expect([...output.keys()].filter((t) => !seen.has(t))).toEqual([]);
    expect(shim.protocolErrors).toEqual([]);
  });

  it('stores, searches, gets, lists and deletes through the daemon, naming the namespace every time', async () => {
    const d = await startDaemon();
    const shim = await spawnShim({ socketPath: d.socketPath });
    const { namespace } = await sessionOf(shim);

    const stored = await shim.call('memory_store', {
      key: 'plan',
      content: 'migrate the zebra database on friday',
      tags: ['ops'],
    });
    expect(textOf(stored)).toBe(
      `Stored "plan" in namespace ${namespace} (version 1, updated ${dataOf(stored).entry.updatedAt}, tags ops).`,
    );
    const shared = await shim.call('memory_store', {
      key: 'team-note',
      namespace: 'team',
      content: 'zebra crossings are shared knowledge',
    });
    expect(dataOf(shared).entry.namespace).toBe('team');

    const found = await shim.call('memory_search', { query: 'zebra' });
    expect(dataOf(found).count).toBe(2);
    expect(textOf(found)).toContain(
      `"plan" in ${namespace} (36 chars) — migrate the [zebra] database`,
    );
    const plan = dataOf(found).results.find(
      (r: { entry: { key: string } }) => r.entry.key === 'plan',
    );
    expect(plan.entry).toMatchObject({
      preview: 'migrate the zebra database on friday',
      size: 36,
      cut: false,
    });
    expect(textOf(found)).toContain('"team-note" in team');

    const got = await shim.call('memory_get', { key: 'plan' });
    expect(textOf(got)).toMatch(/migrate the zebra database on friday$/);
    expect(dataOf(got).entry).toMatchObject({ key: 'plan', namespace, version: 1 });

    const listed = await shim.call('memory_list', { namespace: 'team' });
    expect(dataOf(listed)).toMatchObject({
      total: 1,
      entries: [{ key: 'team-note', preview: 'zebra crossings are shared knowledge', cut: false }],
      truncated: false,
      cursor: null,
    });
    expect(textOf(listed)).toContain('1 entry, newest first:');
    expect(textOf(listed)).not.toMatch(/1 entries|1 of 1/);
    expect(textOf(listed)).toContain('(updated ');
    expect(textOf(listed)).toContain('36 chars): zebra crossings are shared knowledge');

    const deleted = await shim.call('memory_delete', { key: 'team-note', namespace: 'team' });
    expect(textOf(deleted)).toBe('Deleted "team-note" from namespace team.');
    const again = await shim.call('memory_delete', { key: 'team-note', namespace: 'team' });
    expect(textOf(again)).toContain('nothing deleted');

    const health = await shim.call('system_health');
    expect(dataOf(health)).toEqual({ ok: true, problems: [] });
    expect(shim.protocolErrors).toEqual([]);
  });

  it('answers bad arguments, session parameters and unknown tools with clear tool errors, and keeps working', async () => {
    const d = await startDaemon();
    const shim = await spawnShim({ socketPath: d.socketPath });

    const bad = await shim.call('memory_store', { key: '', tags: 'not-a-list' });
    expect(bad.isError).toBe(true);
    expect(textOf(bad)).toMatch(/^Invalid arguments for memory_store:/);
    expect(textOf(bad)).toMatch(/- key: .*>=1 characters/);
    expect(textOf(bad)).toMatch(/- content: /);
    expect(textOf(bad)).toMatch(/- tags: /);

    const extra = await shim.call('memory_search', { query: 'x', bogus: 1 });
    expect(textOf(extra)).toMatch(/Unrecognized key: "bogus"/);

    for (const [tool, args] of [
      ['memory_get', { key: 'k', sessionToken: 'ast_guess' }],
      ['memory_store', { key: 'k', content: 'c', sessionId: 'someone-else' }],
      ['session_end', { force: true }],
    ] as const) {
      const r = await shim.call(tool, args);
      expect(r.isError, tool).toBe(true);
      expect(textOf(r)).toMatch(
        /cannot be passed; this connection's session is used automatically/,
      );
    }
    const noArgs = await shim.call('session_status', { verbose: true });
    expect(textOf(noArgs)).toMatch(/takes none \(got verbose\)/);
    const badStart = await shim.call('session_start', { idleTimeoutMinutes: -1 });
    expect(textOf(badStart)).toMatch(/Invalid arguments for session_start:\n- idleTimeoutMinutes/);

    const unknown = await shim.call('memory_teleport', { key: 'k' });
    expect(unknown.isError).toBe(true);
    expect(textOf(unknown)).toMatch(
      /^Unknown tool "memory_teleport"\. Available tools: .*memory_store/,
    );

    const missing = await shim.call('memory_get', { key: 'never-stored' });
    expect(textOf(missing)).toMatch(
      /memory_get failed: no entry with key "never-stored" .*\[NOT_FOUND\]/,
    );

    const foreign = await shim.call('memory_list', { namespace: 'session:another-client' });
    expect(textOf(foreign)).toMatch(/\[ACCESS_DENIED\] That namespace is another connection's/);

    for (const r of [bad, extra, unknown, missing, foreign])
      expect(textOf(r)).not.toMatch(STACK_LINE);
    const ok = await shim.call('memory_store', { key: 'still-fine', content: 'yes' });
    expect(ok.isError).toBeFalsy();
    expect(shim.protocolErrors).toEqual([]);
  });

  it("session tools act on this connection's own session, and after session_end the next call opens a fresh one", async () => {
    const d = await startDaemon();
    const shim = await spawnShim({ socketPath: d.socketPath, name: 'claude-code-test' });
    const first = await sessionOf(shim);
    expect((await sessionRow(d, first.id))?.metadata).toMatchObject({
      client: 'claude-code-test',
      clientVersion: '1.0.0',
    });
    const start = await shim.call('session_start');
    expect(dataOf(start)).toMatchObject({ started: false, session: { id: first.id } });
    expect(textOf(start)).toMatch(/already active \(nothing was changed\)/);

    await shim.call('memory_store', { key: 'scratch', content: 'temporary' });
    const active = await shim.call('session_active');
    expect(dataOf(active)).toMatchObject({ active: true, session: { id: first.id, entries: 1 } });

    const ended = await shim.call('session_end');
    expect(dataOf(ended)).toMatchObject({ ended: true, sessionId: first.id, deletedEntries: 1 });
    expect((await sessionRow(d, first.id))?.endedAt).not.toBeNull();
    expect(dataOf(await shim.call('session_active'))).toEqual({ active: false, session: null });
    expect(textOf(await shim.call('session_end'))).toBe('Nothing to end: no session is active.');

    const next = await shim.call('memory_store', { key: 'after', content: 'new session' });
    expect(textOf(next)).toMatch(
      /^The previous session was ended with session_end\. Started a new session; its private namespace is session:/,
    );
    const second = await sessionOf(shim);
    expect(second.id).not.toBe(first.id);
    expect(dataOf(next).entry.namespace).toBe(second.namespace);
  });
});

describe('aistack mcp: isolation and load', () => {
  it("keeps two clients' session namespaces apart through every tool, shares shared ones, and deletes only the departing client's entries", async () => {
    const { d, a, b } = await daemonAndTwoShims();
    const A = await sessionOf(a);
    const B = await sessionOf(b);
    await a.call('memory_store', { key: 'a-secret', content: 'alpha private walrus' });
    await b.call('memory_store', { key: 'b-secret', content: 'bravo private walrus' });
    await a.call('memory_store', {
      key: 'a-shared',
      namespace: 'team',
      content: 'alpha shared walrus',
    });
    await b.call('memory_store', {
      key: 'b-shared',
      namespace: 'team',
      content: 'bravo shared walrus',
    });

    const keys = (r: Awaited<ReturnType<Shim['call']>>, field: 'results' | 'entries') =>
      (dataOf(r)[field] as { key?: string; entry?: { key: string } }[])
        .map((x) => x.entry?.key ?? x.key)
        .sort();
    expect(keys(await b.call('memory_search', { query: 'walrus' }), 'results')).toEqual([
      'a-shared',
      'b-secret',
      'b-shared',
    ]);
    expect(keys(await b.call('memory_list', {}), 'entries')).toEqual([
      'a-shared',
      'b-secret',
      'b-shared',
    ]);
    const attempts: [string, Record<string, unknown>][] = [
      ['memory_get', { key: 'a-secret', namespace: A.namespace }],
      ['memory_search', { query: 'walrus', namespace: A.namespace }],
      ['memory_list', { namespace: A.namespace }],
      ['memory_store', { key: 'plant', namespace: A.namespace, content: 'x' }],
      ['memory_delete', { key: 'a-secret', namespace: A.namespace }],
    ];
    for (const [tool, args] of attempts) {
      const r = await b.call(tool, args);
      expect(r.isError, tool).toBe(true);
      expect(textOf(r), tool).toContain('[ACCESS_DENIED]');
    }
    for (const tool of ['session_status', 'session_active', 'session_start']) {
      expect(JSON.stringify(dataOf(await b.call(tool))), tool).not.toContain(A.id);
    }

    const exit = await a.close();
    expect(exit).toEqual({ code: 0, signal: null });
    expect(a.stderr()).toContain('shutting down (stdin closed)');
    expect(a.stderr()).toContain(`ended session ${A.id} (1 entries deleted)`);
    expect(await sessionRow(d, A.id)).toMatchObject({ endReason: 'ended', entries: 0 });

    expect(dataOf(await b.call('memory_get', { key: 'b-secret' })).entry.content).toBe(
      'bravo private walrus',
    );
    expect(keys(await b.call('memory_list', { namespace: 'team' }), 'entries')).toEqual([
      'a-shared',
      'b-shared',
    ]);
    expect(await sessionRow(d, B.id)).toMatchObject({ endedAt: null, entries: 1 });
  });

  it('eight clients write and search concurrently for 20 s with zero errors, and every acknowledged write is stored', async () => {
    const d = await startDaemon();
    const shims = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        spawnShim({ socketPath: d.socketPath, name: `load-${i}` }),
      ),
    );
    const until = Date.now() + 20_000;
    const errors: string[] = [];
    const acked = new Map<string, string>();
    let searches = 0;
    await Promise.all(
      shims.map(async (shim, i) => {
        for (let n = 0; Date.now() < until; n++) {
          const key = `c${i}-${n}`;
          const content = `client${i} write ${n} load test`;
          const w = await shim.call('memory_store', { key, namespace: 'load', content });
          if (w.isError) errors.push(textOf(w));
          else acked.set(key, content);
          if (n % 4 === 3) {
            const s = await shim.call('memory_search', { query: `client${i}`, namespace: 'load' });
            searches++;
            if (s.isError) errors.push(textOf(s));
            else if (dataOf(s).count === 0) errors.push(`client ${i} found none of its writes`);
          }
        }
      }),
    );
    expect(errors).toEqual([]);
    expect(acked.size).toBeGreaterThan(100);
    expect(searches).toBeGreaterThan(25);

    const c = await d.client();
    const stored = new Map<string, string>();
    for (let cursor: number | null = 0; cursor !== null;) {
      const page: { entries: { key: string; content: string }[]; cursor: number | null } =
        await c.call('memory.export', { namespace: 'load', cursor, limit: 5000 });
      for (const e of page.entries) stored.set(e.key, e.content);
      cursor = page.cursor;
    }
    for (const [key, content] of acked) expect(stored.get(key), key).toBe(content);
    for (const shim of shims) expect(shim.protocolErrors).toEqual([]);
  }, 60_000);
});

describe('aistack mcp: secrets and life cycle', () => {
  it('loads no SQLite, logger or provider SDK, even after serving calls', async () => {
    const d = await startDaemon();
    const dir = tempDir();
    const log = join(dir, 'loaded.txt');
    // A module-load hook (in node's loader thread) that records every module URL.
    writeFileSync(
      join(dir, 'hooks.mjs'),
      `import { appendFileSync } from 'node:fs';
export async function load(url, context, next) {
  appendFileSync(${JSON.stringify(log)}, url + '\\n');
  return next(url, context);
}`,
    );
    writeFileSync(
      join(dir, 'register.mjs'),
      `import { register } from 'node:module';
register(${JSON.stringify(pathToFileURL(join(dir, 'hooks.mjs')).href)});`,
    );
    const shim = await spawnShim({
      socketPath: d.socketPath,
      nodeArgs: ['--import', pathToFileURL(join(dir, 'register.mjs')).href],
    });
    await shim.call('memory_store', { key: 'k', content: 'thin' });
    await shim.call('memory_search', { query: 'thin' });
    await shim.call('system_status');
    await shim.close();
    const loaded = readFileSync(log, 'utf8');
    expect(loaded).toContain('@modelcontextprotocol/sdk/dist/esm/server/index.js');
    expect(loaded).toContain('/clients/mcp/server.js');
    const heavy =
      /better-sqlite3|node-cron|\/pino|\/openai\/|@anthropic-ai|\/dist\/(store|daemon)\//;
    expect(loaded.split('\n').filter((url) => heavy.test(url))).toEqual([]);
  });

  it('never writes the session token to stdout or stderr, joined or auto-opened', async () => {
    const d = await startDaemon();
    const S = await openSession(await d.client(), { client: 'token-scan' });
    const joined = await spawnShim({
      socketPath: d.socketPath,
      args: ['--session', S.id],
      env: { AISTACK_SESSION_TOKEN: S.token },
    });
    const auto = await spawnShim({ socketPath: d.socketPath });
    for (const shim of [joined, auto]) {
      await shim.call('memory_store', { key: 'k', content: 'token scan' });
      await shim.call('memory_store', { key: 'k', namespace: 'shared', content: 'again' });
      await shim.call('memory_search', { query: 'token' });
      await shim.call('memory_get', { key: 'k' });
      await shim.call('memory_list', {});
      await shim.call('memory_get', { key: 'missing' });
      await shim.call('memory_get', { key: 'k', namespace: 'session:someone-else' });
      await shim.call('memory_store', { key: '' });
      await shim.call('nope');
      await shim.call('session_start');
      await shim.call('session_status');
      await shim.call('session_active');
      await shim.call('system_status');
    }
    const stored = await joined.call('memory_get', { key: 'k' });
    expect(dataOf(stored).entry.namespace).toBe(S.namespace);
    await joined.close();
    await auto.close();
    for (const shim of [joined, auto]) {
      const bytes = shim.stdout() + shim.stderr();
      expect(bytes.length).toBeGreaterThan(1000);
      expect(bytes).not.toContain(S.token);
      expect(bytes).not.toMatch(TOKEN_SHAPE);
    }
    expect(joined.stderr()).toContain(`joined session ${S.id}`);
    expect(joined.stderr()).toContain(`leaving session ${S.id} active`);
    expect(await sessionRow(d, S.id)).toMatchObject({ endedAt: null, entries: 1 });
  });

  it('refuses --session without a token, and a joined session that is not active', async () => {
    const d = await startDaemon();
    const usage = await runCli(['--socket', d.socketPath, 'mcp', '--session', 'abc']);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/--session needs the session token in \$AISTACK_SESSION_TOKEN/);
    expect(usage.stdout).toBe('');
    const failed = await spawnShim({
      socketPath: d.socketPath,
      args: ['--session', 'no-such-session'],
      env: { AISTACK_SESSION_TOKEN: 'ast_wrong' },
    }).then(
      () => undefined,
      (err: Error) => err,
    );
    expect(failed?.message).toMatch(
      /the session given with --session \(no-such-session\) is not active/,
    );
  });

  it('ends its session on SIGTERM, and leaves it open with --keep-session', async () => {
    const d = await startDaemon();
    const term = await spawnShim({ socketPath: d.socketPath });
    const kept = await spawnShim({ socketPath: d.socketPath, args: ['--keep-session'] });
    const T = await sessionOf(term);
    const K = await sessionOf(kept);
    await term.call('memory_store', { key: 'k', content: 'goes' });
    await kept.call('memory_store', { key: 'k', content: 'stays' });

    process.kill(term.pid, 'SIGTERM');
    expect(await term.exited).toEqual({ code: 0, signal: null });
    expect(term.stderr()).toContain('shutting down (SIGTERM)');
    expect(await sessionRow(d, T.id)).toMatchObject({ endReason: 'ended', entries: 0 });

    expect(await kept.close()).toEqual({ code: 0, signal: null });
    expect(await sessionRow(d, K.id)).toMatchObject({ endedAt: null, entries: 1 });
  });

  it('survives a daemon restart, reconnecting to the session that is still there and saying so', async () => {
    const dir = tempDir();
    const d1 = await startDaemon({ dir });
    const shim = await spawnShim({ socketPath: d1.socketPath });
    const first = await sessionOf(shim);
    await shim.call('memory_store', { key: 'before', content: 'written before the restart' });
    await d1.stop();

    const down = await shim.call('memory_get', { key: 'before' });
    expect(down.isError).toBe(true);
    expect(textOf(down)).toMatch(
      /daemon is not running and this server was started with --no-autostart/,
    );
    expect((await shim.client.listTools()).tools.length).toBeGreaterThan(5);

    await startDaemon({ dir });
    const resumed = await shim.call('memory_get', { key: 'before' });
    expect(resumed.isError, textOf(resumed)).toBeFalsy();
    expect(textOf(resumed)).toMatch(
      /^Reconnected to the aistack daemon .* this session and its entries are intact\./,
    );
    expect((await sessionOf(shim)).id).toBe(first.id);
  });

  it('opens and announces a new session when the daemon comes back without the old one', async () => {
    const dir = tempDir();
    const d1 = await startDaemon({ dir });
    const shim = await spawnShim({ socketPath: d1.socketPath });
    const first = await sessionOf(shim);
    await d1.stop();
    rmSync(join(dir, 'data'), { recursive: true, force: true });
    await startDaemon({ dir });

    const r = await shim.call('memory_store', {
      key: 'after',
      content: 'written after the restart',
    });
    expect(r.isError, textOf(r)).toBeFalsy();
    expect(textOf(r)).toMatch(
      /^The aistack daemon restarted and this connection's previous session is no longer there, so its private entries are gone\. Started a new session; its private namespace is session:/,
    );
    const second = await sessionOf(shim);
    expect(second.id).not.toBe(first.id);
    expect(dataOf(r).entry.namespace).toBe(second.namespace);
  });

  it('starts the daemon when it is not running', async () => {
    const dir = tempDir();
    const socketPath = join(dir, 'run', 'aistack.sock');
    const shim = await spawnShim({
      socketPath,
      autostart: true,
      dataDir: join(dir, 'data'),
      env: { HOME: dir, XDG_CONFIG_HOME: join(dir, 'xdg') },
    });
    try {
      const r = await shim.call('system_health');
      expect(dataOf(r)).toEqual({ ok: true, problems: [] });
      expect(shim.stderr()).toMatch(/daemon was not running; started it in the background/);
    } finally {
      await shim.close();
      const c = await connectTo({ socketPath, dataDir: join(dir, 'data') });
      await c.call('system.shutdown', {}).catch(() => undefined);
      c.close();
    }
  });
});
