/**
 * `github.*` on the wire: issues, pull requests and repositories through the `gh` CLI.
 * Off unless `github.enabled` is set; the daemon validates, time-limits and audits each
 * call. Public and offered to models as MCP tools, since acting on GitHub is what a user
 * turns this feature on for. Values are gh's own (states and visibility in its
 * upper case, e.g. "OPEN", "MERGED", "PUBLIC"), with nested objects flattened.
 */
import { z } from 'zod';
import {
  issueCreateParams,
  issueListParams,
  prListParams,
  repoSchema,
  repoViewParams,
} from './github-params.js';
import { defineMethod } from './method.js';

const author = z.string().nullable().describe('Login of the author; null for a deleted user.');

const issueSummarySchema = z.strictObject({
  number: z.number().int(),
  title: z.string(),
  state: z.string().describe('As gh reports it: OPEN or CLOSED.'),
  url: z.string(),
  author,
  labels: z.array(z.string()),
  createdAt: z.string(),
});

const pullRequestSummarySchema = z.strictObject({
  number: z.number().int(),
  title: z.string(),
  state: z.string().describe('As gh reports it: OPEN, CLOSED or MERGED.'),
  url: z.string(),
  author,
  headRefName: z.string().describe('The branch it would merge.'),
  createdAt: z.string(),
});

const repoSummarySchema = z.strictObject({
  name: z.string(),
  owner: z.string(),
  description: z.string().nullable(),
  url: z.string(),
  defaultBranch: z.string().nullable(),
  visibility: z.string().describe('As gh reports it: PUBLIC, PRIVATE or INTERNAL.'),
  stargazerCount: z.number().int().min(0),
});

const createdIssueSchema = z.strictObject({
  url: z.string().describe('The new issue.'),
  number: z.number().int().nullable().describe('Read from the URL; null if gh printed another.'),
});

export type IssueSummary = z.output<typeof issueSummarySchema>;
export type PullRequestSummary = z.output<typeof pullRequestSummarySchema>;
export type RepoSummary = z.output<typeof repoSummarySchema>;
export type CreatedIssue = z.output<typeof createdIssueSchema>;

export const githubMethods = [
  defineMethod({
    name: 'github.issue.create',
    description:
      'Creates an issue in owner/name with a title, optional Markdown body and labels; answers its URL and number.',
    params: issueCreateParams,
    result: createdIssueSchema,
    access: 'public',
    scope: 'github',
    mcpTool: 'github_issue_create',
    timeoutMs: null,
  }),
  defineMethod({
    name: 'github.issue.list',
    description:
      'Lists issues of owner/name (state open, closed or all; up to 100; optionally one label).',
    params: issueListParams,
    result: z.strictObject({ repo: repoSchema, issues: z.array(issueSummarySchema) }),
    access: 'public',
    scope: 'github',
    mcpTool: 'github_issue_list',
    timeoutMs: null,
  }),
  defineMethod({
    name: 'github.pr.list',
    description:
      'Lists pull requests of owner/name (state open, closed, merged or all; up to 100).',
    params: prListParams,
    result: z.strictObject({ repo: repoSchema, pullRequests: z.array(pullRequestSummarySchema) }),
    access: 'public',
    scope: 'github',
    mcpTool: 'github_pr_list',
    timeoutMs: null,
  }),
  defineMethod({
    name: 'github.repo.view',
    description:
      'Describes owner/name: description, URL, default branch, visibility and star count.',
    params: repoViewParams,
    result: repoSummarySchema,
    access: 'public',
    scope: 'github',
    mcpTool: 'github_repo_view',
    timeoutMs: null,
  }),
];
