import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Redactor } from '../../src/config/secrets.js';
import { AppError } from '../../src/core/errors.js';
import type { AuditSink } from '../../src/services/audit/audit-sink.js';
import {
  GITHUB_DEFAULTS,
  GitHubService,
  type GitHubConfig,
} from '../../src/services/github/github.js';
import { cleanupAll, tempDir } from '../helpers/daemon.js';
import { installFakeGh, type FakeGh } from '../helpers/fake-gh.js';

const NODE_DIR = dirname(process.execPath);
const REPO = 'octo/hello';
/** A timeout under test: seconds, not milliseconds, so a busy machine still starts gh in time. */
const GH_TIMEOUT_MS = 3_000;
/** How long a stand-in that should be stopped would otherwise run: far past the timeout. */
const STAND_IN_MS = 120_000;

interface Setup {
  config?: Partial<GitHubConfig> | (() => GitHubConfig);
  /** The environment gh gets; default: the stand-in first on PATH, then node's own dir. */
  env?: (gh: FakeGh, dir: string) => NodeJS.ProcessEnv;
  now?: () => number;
}

function setup(options: Setup = {}) {
  const dir = tempDir('aistack-gh-');
  const gh = installFakeGh(dir);
  const records: { event: string; details: Record<string, unknown> }[] = [];
  const audit: AuditSink = { record: (event, details = {}) => records.push({ event, details }) };
  const config =
    typeof options.config === 'function'
      ? options.config
      : { ...GITHUB_DEFAULTS, enabled: true, ...options.config };
  const service = new GitHubService({
    config,
    audit,
    redactor: new Redactor(),
    // Only node's own dir after the stand-in: no real gh can be picked up by accident.
    env: options.env?.(gh, dir) ?? gh.env({ PATH: NODE_DIR }),
    now: options.now,
  });
  return { dir, gh, service, records, lastArgv: () => gh.calls().at(-1)?.argv };
}

async function failure(promise: Promise<unknown>): Promise<AppError> {
  try {
    await promise;
  } catch (err) {
    expect(err).toBeInstanceOf(AppError);
    return err as AppError;
  }
  throw new Error('expected the call to fail');
}

const ISSUES_JSON = JSON.stringify([
  {
    number: 7,
    title: 'Crash on start',
    state: 'OPEN',
    url: 'https://github.com/octo/hello/issues/7',
    author: { id: 'U_1', is_bot: false, login: 'mona', name: 'Mona' },
    labels: [{ id: 'L_1', name: 'bug', description: '', color: 'd73a4a' }],
    createdAt: '2024-05-01T10:00:00Z',
  },
]);

afterEach(cleanupAll);

describe('GitHubService: the argv each method gives gh', () => {
  it('creates an issue with every value glued to its flag', async () => {
    const { service, lastArgv } = setup();
    const created = await service.issueCreate({
      repo: REPO,
      title: 'Crash on start',
      body: 'Steps:\n1. start',
      labels: ['bug', 'good first issue'],
    });
    expect(lastArgv()).toEqual([
      'issue',
      'create',
      '--repo=octo/hello',
      '--title=Crash on start',
      '--body=Steps:\n1. start',
      '--label=bug',
      '--label=good first issue',
    ]);
    expect(created).toEqual({ url: 'https://github.com/octo/hello/issues/42', number: 42 });
  });

  it('always sends --body, empty when none is given (gh refuses otherwise)', async () => {
    const { service, lastArgv } = setup();
    await service.issueCreate({ repo: REPO, title: 'T' });
    expect(lastArgv()).toEqual(['issue', 'create', '--repo=octo/hello', '--title=T', '--body=']);
  });

  it('lists issues with --json and flattens author and labels', async () => {
    const { service, gh, lastArgv } = setup();
    gh.behave({ kind: 'ok', stdout: ISSUES_JSON });
    const result = await service.issueList({ repo: REPO, state: 'all', limit: 5, label: 'bug' });
    expect(lastArgv()).toEqual([
      'issue',
      'list',
      '--repo=octo/hello',
      '--state=all',
      '--limit=5',
      '--label=bug',
      '--json=number,title,state,url,author,labels,createdAt',
    ]);
    expect(result).toEqual({
      repo: REPO,
      issues: [
        {
          number: 7,
          title: 'Crash on start',
          state: 'OPEN',
          url: 'https://github.com/octo/hello/issues/7',
          author: 'mona',
          labels: ['bug'],
          createdAt: '2024-05-01T10:00:00Z',
        },
      ],
    });
    await service.issueList({ repo: REPO });
    expect(lastArgv()).toEqual([
      'issue',
      'list',
      '--repo=octo/hello',
      '--state=open',
      '--limit=30',
      '--json=number,title,state,url,author,labels,createdAt',
    ]);
  });

  it('lists pull requests', async () => {
    const { service, gh, lastArgv } = setup();
    gh.behave({
      kind: 'ok',
      stdout: JSON.stringify([
        {
          number: 3,
          title: 'Fix crash',
          state: 'MERGED',
          url: 'https://github.com/octo/hello/pull/3',
          author: null,
          headRefName: 'fix-crash',
          createdAt: '2024-05-02T10:00:00Z',
        },
      ]),
    });
    const result = await service.prList({ repo: REPO, state: 'merged', limit: 1 });
    expect(lastArgv()).toEqual([
      'pr',
      'list',
      '--repo=octo/hello',
      '--state=merged',
      '--limit=1',
      '--json=number,title,state,url,author,headRefName,createdAt',
    ]);
    expect(result.pullRequests[0]).toMatchObject({
      number: 3,
      author: null,
      headRefName: 'fix-crash',
    });
  });

  it('views a repository', async () => {
    const { service, gh, lastArgv } = setup();
    gh.behave({
      kind: 'ok',
      stdout: JSON.stringify({
        name: 'hello',
        owner: { id: 'O_1', login: 'octo' },
        description: '',
        url: 'https://github.com/octo/hello',
        defaultBranchRef: { name: 'main' },
        visibility: 'PUBLIC',
        stargazerCount: 12,
      }),
    });
    expect(await service.repoView({ repo: REPO })).toEqual({
      name: 'hello',
      owner: 'octo',
      description: null,
      url: 'https://github.com/octo/hello',
      defaultBranch: 'main',
      visibility: 'PUBLIC',
      stargazerCount: 12,
    });
    expect(lastArgv()).toEqual([
      'repo',
      'view',
      'octo/hello',
      '--json=name,owner,description,url,defaultBranchRef,visibility,stargazerCount',
    ]);
  });
});

describe('GitHubService: hostile text stays text', () => {
  it('the stand-in would notice an option smuggled in as its own argv element', () => {
    // Sanity check of the harness: split out, `-R evil/repo` would retarget the call.
    const { gh } = setup();
    const out = execFileSync(
      gh.path,
      ['issue', 'create', '--repo=octo/hello', '--title', 'x', '-R', 'evil/repo'],
      { env: gh.env({ PATH: NODE_DIR }), encoding: 'utf8' },
    );
    expect(out).toContain('evil/repo');
  });

  it('passes quotes, $(…), backticks, ";", newlines and leading dashes as one literal element', async () => {
    const { dir, gh, service, lastArgv } = setup();
    const hostile = [
      '--help',
      '-R evil/repo',
      '--repo=evil/repo',
      `"double" 'single' \\"escaped\\"`,
      `$(touch ${join(dir, 'pwned-dollar')})`,
      `\`touch ${join(dir, 'pwned-backtick')}\``,
      `x; touch ${join(dir, 'pwned-semicolon')}`,
      'line one\nline two\n-R evil/repo',
    ];
    for (const text of hostile) {
      const created = await service.issueCreate({ repo: REPO, title: text, body: text });
      expect(lastArgv()).toEqual([
        'issue',
        'create',
        '--repo=octo/hello',
        `--title=${text}`,
        `--body=${text}`,
      ]);
      // What a pflag parser (gh's) understands: the text is the title, the repo is ours.
      const call = gh.calls().at(-1)!;
      expect(call.flags).toEqual({ repo: REPO, title: text, body: text });
      expect(call.positionals).toEqual(['issue', 'create']);
      expect(created.url).toBe('https://github.com/octo/hello/issues/42');
    }
    for (const f of ['pwned-dollar', 'pwned-backtick', 'pwned-semicolon'])
      expect(existsSync(join(dir, f))).toBe(false);
  });

  it.each(['../x', '-R/x', 'a/b c', 'owner/name;rm', 'owner/..', 'owner', '-owner/x', 'a/b/c'])(
    'rejects the repo %j before gh runs',
    async (repo) => {
      const { gh, service, records } = setup();
      const err = await failure(service.issueList({ repo }));
      expect(err.code).toBe('INVALID_PARAMS');
      expect(gh.calls()).toEqual([]);
      expect(records).toEqual([
        {
          event: 'github.refused',
          details: { method: 'github.issue.list', reason: 'invalid-params', fields: ['repo'] },
        },
      ]);
    },
  );

  it('rejects empty or oversized titles and labels outside the safe alphabet', async () => {
    const { gh, service } = setup();
    const bad = [
      { repo: REPO, title: '' },
      { repo: REPO, title: 'x'.repeat(257) },
      { repo: REPO, title: 'T', body: 'x'.repeat(65_537) },
      { repo: REPO, title: 'T', labels: ['a,b'] },
      { repo: REPO, title: 'T', labels: ['--help'] },
      { repo: REPO, title: 'T', labels: Array.from({ length: 21 }, (_, i) => `l${i}`) },
    ];
    for (const params of bad)
      expect((await failure(service.issueCreate(params))).code).toBe('INVALID_PARAMS');
    expect(gh.calls()).toEqual([]);
  });
});

describe('GitHubService: when gh cannot help', () => {
  it('refuses while disabled, with an audit record and without running gh', async () => {
    const { gh, service, records } = setup({ config: { enabled: false } });
    const err = await failure(service.repoView({ repo: REPO }));
    expect(err.code).toBe('FEATURE_DISABLED');
    expect(err.message).toBe('GitHub integration is off; set github.enabled: true in the config');
    expect(records).toEqual([
      {
        event: 'github.refused',
        details: { method: 'github.repo.view', repo: REPO, reason: 'disabled' },
      },
    ]);
    expect(gh.calls()).toEqual([]);
  });

  it('reads the config on each call, so a reload switches it on', async () => {
    let config: GitHubConfig = { ...GITHUB_DEFAULTS };
    const { service } = setup({ config: () => config });
    expect((await failure(service.issueList({ repo: REPO }))).code).toBe('FEATURE_DISABLED');
    config = { ...config, enabled: true };
    expect(await service.issueList({ repo: REPO })).toEqual({ repo: REPO, issues: [] });
  });

  // The timeouts below are a few seconds, so that the stand-in (a Node process) is surely
  // running by then even on a loaded machine, and the stand-in lasts far longer still.
  it('stops a gh that runs past the timeout and says so', async () => {
    const { gh, service, records } = setup({ config: { timeoutMs: GH_TIMEOUT_MS } });
    gh.behave({ kind: 'sleep', ms: STAND_IN_MS });
    const t0 = Date.now();
    const err = await failure(service.issueList({ repo: REPO }));
    // Stopped at the timeout, not when the stand-in would have ended.
    expect(Date.now() - t0).toBeLessThan(STAND_IN_MS / 4);
    expect(gh.calls()).toHaveLength(1); // it was running, not failing to start
    expect(err.code).toBe('TIMEOUT');
    expect(err.message).toBe(`gh did not finish within ${GH_TIMEOUT_MS} ms; it was stopped`);
    expect(records.at(-1)?.details).toMatchObject({ exitCode: null, outcome: 'timeout' });
  });

  it('does not wait for a child of gh that keeps its output open after the timeout', async () => {
    const { gh, service } = setup({ config: { timeoutMs: GH_TIMEOUT_MS } });
    gh.behave({ kind: 'orphan', ms: STAND_IN_MS });
    try {
      expect((await failure(service.issueList({ repo: REPO }))).code).toBe('TIMEOUT');
      // The call returned while the child still held gh's stdout and stderr open.
      const [orphan] = gh.orphans();
      expect(orphan).toBeTypeOf('number');
      expect(() => process.kill(orphan!, 0)).not.toThrow();
    } finally {
      for (const pid of gh.orphans()) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {}
      }
    }
  });

  it('explains that gh is not logged in', async () => {
    const { gh, service, records } = setup();
    gh.behave({ kind: 'not-logged-in' });
    const err = await failure(service.issueCreate({ repo: REPO, title: 'T' }));
    expect(err.code).toBe('PROVIDER_FAILURE');
    expect(err.message).toMatch(/^gh is not authenticated: run gh auth login/);
    expect(err.data).toMatchObject({ service: 'github', reason: 'not-authenticated' });
    expect(records.at(-1)?.details).toMatchObject({ exitCode: 1, outcome: 'not-authenticated' });
  });

  it('explains that gh is missing from PATH', async () => {
    const { service, records } = setup({
      env: (_gh, dir) => {
        mkdirSync(join(dir, 'empty'));
        return { PATH: join(dir, 'empty') };
      },
    });
    const err = await failure(service.repoView({ repo: REPO }));
    expect(err.code).toBe('PROVIDER_FAILURE');
    expect(err.message).toMatch(/^gh is not installed or not on PATH/);
    expect(records.at(-1)?.details).toMatchObject({ exitCode: null, outcome: 'not-installed' });
  });

  it('stops a gh that prints more than the cap', async () => {
    const { gh, service } = setup({ config: { maxOutputBytes: 1024 } });
    gh.behave({ kind: 'flood', bytes: 200_000 });
    const err = await failure(service.issueList({ repo: REPO }));
    expect(err.code).toBe('PROVIDER_FAILURE');
    expect(err.message).toMatch(/^gh printed more than 1024 bytes; it was stopped/);
  });

  it("quotes the first line of gh's stderr for other failures", async () => {
    const { gh, service } = setup();
    gh.behave({ kind: 'fail', exitCode: 2, stderr: '\nHTTP 502: Bad Gateway\nsecond line\n' });
    const err = await failure(service.issueList({ repo: REPO }));
    expect(err.message).toBe('gh failed (exit 2): HTTP 502: Bad Gateway');
    expect(err.data).toMatchObject({ service: 'github', reason: 'failed', exitCode: 2 });
  });

  it('reports an unknown repository as NOT_FOUND', async () => {
    const { gh, service } = setup();
    gh.behave({
      kind: 'fail',
      stderr:
        "GraphQL: Could not resolve to a Repository with the name 'octo/nope'. (repository)\n",
    });
    const err = await failure(service.repoView({ repo: 'octo/nope' }));
    expect(err.code).toBe('NOT_FOUND');
  });

  it('reports output that is not the promised JSON', async () => {
    const { gh, service, records } = setup();
    gh.behave({ kind: 'ok', stdout: 'Showing 1 of 1 issues\n' });
    const err = await failure(service.issueList({ repo: REPO }));
    expect(err.message).toBe('gh printed output that is not JSON');
    expect(records.at(-1)?.details).toMatchObject({ exitCode: 0, outcome: 'bad-output' });
  });
});

describe('GitHubService: audit and secrets', () => {
  it('audits every call with method, repo, exit status and duration, never the text', async () => {
    let t = 1_000;
    const { gh, service, records } = setup({ now: () => (t += 250) });
    await service.issueCreate({ repo: REPO, title: 'secret plans', body: 'the body text' });
    gh.behave({ kind: 'fail', exitCode: 1, stderr: 'boom\n' });
    await failure(service.issueList({ repo: REPO }));
    expect(records).toEqual([
      {
        event: 'github.call',
        details: {
          method: 'github.issue.create',
          repo: REPO,
          exitCode: 0,
          durationMs: 250,
          outcome: 'ok',
        },
      },
      {
        event: 'github.call',
        details: {
          method: 'github.issue.list',
          repo: REPO,
          exitCode: 1,
          durationMs: 250,
          outcome: 'failed',
        },
      },
    ]);
    expect(JSON.stringify(records)).not.toMatch(/secret plans|the body text/);
  });

  it('passes GH_TOKEN to gh but never into an error or an audit record', async () => {
    const token = 'plain-token-without-a-known-shape-0123456789';
    const shaped = `ghp_${'A'.repeat(36)}`;
    let config: GitHubConfig = { ...GITHUB_DEFAULTS, enabled: true };
    const { gh, service, records } = setup({
      config: () => config,
      env: (fake) => fake.env({ PATH: NODE_DIR, GH_TOKEN: token, GITHUB_TOKEN: shaped }),
    });
    const errors: AppError[] = [];
    await service.issueList({ repo: REPO });
    for (const stderr of [`proxy refused token {GH_TOKEN}\n`, `bad ${shaped}\n`]) {
      gh.behave({ kind: 'fail', stderr });
      errors.push(await failure(service.issueList({ repo: REPO })));
    }
    gh.behave({ kind: 'not-logged-in' });
    errors.push(await failure(service.issueCreate({ repo: REPO, title: 'T' })));
    config = { ...config, timeoutMs: GH_TIMEOUT_MS };
    gh.behave({ kind: 'sleep', ms: STAND_IN_MS });
    errors.push(await failure(service.repoView({ repo: REPO })));
    expect(errors.at(-1)!.code).toBe('TIMEOUT');

    expect(gh.calls().every((c) => c.sawToken)).toBe(true);
    expect(errors[0]!.message).toBe('gh failed (exit 1): proxy refused token …6789');
    const everything = JSON.stringify([
      records,
      errors.map((e) => ({ message: e.message, data: e.data })),
    ]);
    expect(everything).not.toContain(token);
    expect(everything).not.toContain(shaped);
    expect(records.filter((r) => r.event === 'github.call')).toHaveLength(5);
  });
});
