/**
 * `github.*`: issues, pull requests and repositories through the `gh` CLI. Off unless
 * `github.enabled` is set; each call is validated, time-limited and audited by the
 * service (services/github.ts). Public and offered to models as MCP tools, since acting
 * on GitHub is what a user turns this feature on for.
 */
import { defineMethod } from './method.js';
import {
  issueCreateParams,
  issueListParams,
  prListParams,
  repoViewParams,
} from '../services/github/github-params.js';

export const githubMethods = [
  defineMethod({
    name: 'github.issue.create',
    description:
      'Creates an issue in owner/name with a title, optional Markdown body and labels; answers its URL and number.',
    params: issueCreateParams,
    access: 'public',
    mcpTool: 'github_issue_create',
    handler: (p, { services }) => services.github.issueCreate(p),
  }),
  defineMethod({
    name: 'github.issue.list',
    description:
      'Lists issues of owner/name (state open, closed or all; up to 100; optionally one label).',
    params: issueListParams,
    access: 'public',
    mcpTool: 'github_issue_list',
    handler: (p, { services }) => services.github.issueList(p),
  }),
  defineMethod({
    name: 'github.pr.list',
    description:
      'Lists pull requests of owner/name (state open, closed, merged or all; up to 100).',
    params: prListParams,
    access: 'public',
    mcpTool: 'github_pr_list',
    handler: (p, { services }) => services.github.prList(p),
  }),
  defineMethod({
    name: 'github.repo.view',
    description:
      'Describes owner/name: description, URL, default branch, visibility and star count.',
    params: repoViewParams,
    access: 'public',
    mcpTool: 'github_repo_view',
    handler: (p, { services }) => services.github.repoView(p),
  }),
];
