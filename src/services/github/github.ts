/**
 * GitHub through the `gh` CLI: create and list issues, list pull requests, view a
 * repository. Off by default. Every call validates its params (github-params.ts), builds
 * a fixed argument list, runs gh without a shell under a timeout and output cap
 * (github-runner.ts), checks gh's JSON (github-output.ts), and leaves one audit record —
 * method, repo, exit status, duration; never a token, a title or a body.
 *
 * Free text goes to gh as `--flag=value`, one argv element per flag. gh's parser
 * (cobra/pflag) would also take the element after `--title` as its value even when it
 * starts with `-`, but the glued form does not depend on that: there is no separate
 * element that any parser could mistake for an option, so a title of `--help` or
 * `-R evil/repo` is only ever a title.
 */
import { performance } from 'node:perf_hooks';
import type { z } from 'zod';
import type { Redactor } from '../../config/secrets.js';
import { AppError } from '../../core/errors.js';
import type {
  CreatedIssue,
  IssueSummary,
  PullRequestSummary,
  RepoSummary,
} from '../../protocol/github.js';
import type { AuditSink } from '../audit/audit-sink.js';
import {
  issueCreateParams,
  issueListParams,
  prListParams,
  repoViewParams,
  type IssueCreateInput,
  type IssueListInput,
  type PrListInput,
  type RepoViewInput,
} from '../../protocol/github-params.js';
import {
  GhOutputError,
  ISSUE_FIELDS,
  PR_FIELDS,
  REPO_FIELDS,
  parseCreatedIssue,
  parseIssues,
  parsePullRequests,
  parseRepo,
} from './github-output.js';
import { ghFailure, runGh, type GhOutcomeKind } from './github-runner.js';

export interface GitHubConfig {
  enabled: boolean;
  /** A name looked up on the PATH of `env`, or a path. */
  ghPath: string;
  timeoutMs: number;
  maxOutputBytes: number;
}

export const GITHUB_DEFAULTS: GitHubConfig = {
  enabled: false,
  ghPath: 'gh',
  timeoutMs: 30_000,
  maxOutputBytes: 1024 * 1024,
};

export interface GitHubServiceOptions {
  /** The `github` config section; pass a function so a config reload applies to the next call. */
  config: GitHubConfig | (() => GitHubConfig);
  audit: AuditSink;
  /** Scrubs gh's stderr before it is quoted; the env's GitHub tokens are registered with it. */
  redactor: Redactor;
  /** The daemon's environment; gh gets its allowlisted part (gh-env.ts). Default: process.env. */
  env?: NodeJS.ProcessEnv;
  /** Milliseconds, for durations. Default: performance.now. */
  now?: () => number;
}

/** Environment variables gh reads a token from. */
const TOKEN_VARS = ['GH_TOKEN', 'GITHUB_TOKEN', 'GH_ENTERPRISE_TOKEN', 'GITHUB_ENTERPRISE_TOKEN'];

export class GitHubService {
  private readonly config: () => GitHubConfig;
  private readonly env: NodeJS.ProcessEnv;
  private readonly now: () => number;

  constructor(private readonly options: GitHubServiceOptions) {
    const { config } = options;
    this.config = typeof config === 'function' ? config : () => config;
    this.env = options.env ?? process.env;
    this.now = options.now ?? (() => performance.now());
    // A token without a recognisable shape would otherwise survive a quoted stderr line.
    for (const name of TOKEN_VARS) options.redactor.addSecret(this.env[name]);
  }

  issueCreate(params: IssueCreateInput): Promise<CreatedIssue> {
    return this.call(
      'github.issue.create',
      issueCreateParams,
      params,
      (p) => [
        'issue',
        'create',
        `--repo=${p.repo}`,
        `--title=${p.title}`,
        // Always sent: without --body a non-interactive gh refuses to create the issue.
        `--body=${p.body}`,
        ...p.labels.map((l) => `--label=${l}`),
      ],
      parseCreatedIssue,
    );
  }

  issueList(params: IssueListInput): Promise<{ repo: string; issues: IssueSummary[] }> {
    return this.call(
      'github.issue.list',
      issueListParams,
      params,
      (p) => [
        'issue',
        'list',
        `--repo=${p.repo}`,
        `--state=${p.state}`,
        `--limit=${p.limit}`,
        ...(p.label ? [`--label=${p.label}`] : []),
        `--json=${ISSUE_FIELDS}`,
      ],
      (out, p) => ({ repo: p.repo, issues: parseIssues(out) }),
    );
  }

  prList(params: PrListInput): Promise<{ repo: string; pullRequests: PullRequestSummary[] }> {
    return this.call(
      'github.pr.list',
      prListParams,
      params,
      (p) => [
        'pr',
        'list',
        `--repo=${p.repo}`,
        `--state=${p.state}`,
        `--limit=${p.limit}`,
        `--json=${PR_FIELDS}`,
      ],
      (out, p) => ({ repo: p.repo, pullRequests: parsePullRequests(out) }),
    );
  }

  repoView(params: RepoViewInput): Promise<RepoSummary> {
    // The one positional argument; the repo schema guarantees it starts with a letter or digit.
    return this.call(
      'github.repo.view',
      repoViewParams,
      params,
      (p) => ['repo', 'view', p.repo, `--json=${REPO_FIELDS}`],
      parseRepo,
    );
  }

  private async call<S extends z.ZodType<{ repo: string }>, R>(
    method: string,
    schema: S,
    raw: unknown,
    argv: (p: z.output<S>) => string[],
    parse: (stdout: string, p: z.output<S>) => R,
  ): Promise<R> {
    const { audit } = this.options;
    const parsed = schema.safeParse(raw);
    if (!parsed.success) {
      // Handlers get params the dispatcher already checked; this guards direct callers.
      const issues = parsed.error.issues.map((i) => ({
        path: i.path.map(String).join('.'),
        code: i.code,
        message: i.message,
      }));
      const fields = [...new Set(issues.map((i) => i.path || '(params)'))];
      audit.record('github.refused', { method, reason: 'invalid-params', fields });
      throw new AppError('INVALID_PARAMS', `invalid params: ${fields.join(', ')}`, { issues });
    }
    const p = parsed.data;
    const config = this.config();
    if (!config.enabled) {
      audit.record('github.refused', { method, repo: p.repo, reason: 'disabled' });
      throw ghFailure(
        'disabled',
        'GitHub integration is off; set github.enabled: true in the config',
        'FEATURE_DISABLED',
      );
    }

    const started = this.now();
    const outcome = await runGh(argv(p), {
      ghPath: config.ghPath,
      timeoutMs: config.timeoutMs,
      maxOutputBytes: config.maxOutputBytes,
      env: this.env,
      redactor: this.options.redactor,
    });
    let kind: GhOutcomeKind = outcome.ok ? 'ok' : outcome.kind;
    let result: R | undefined;
    let error: AppError | undefined = outcome.ok ? undefined : outcome.error;
    if (outcome.ok) {
      try {
        result = parse(outcome.stdout, p);
      } catch (err) {
        if (!(err instanceof GhOutputError)) throw err;
        kind = 'bad-output';
        error = ghFailure('bad-output', err.message);
      }
    }
    audit.record('github.call', {
      method,
      repo: p.repo,
      exitCode: outcome.exitCode,
      durationMs: Math.round(this.now() - started),
      outcome: kind,
    });
    if (error) throw error;
    return result as R;
  }
}
