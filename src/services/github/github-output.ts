/**
 * What gh prints, read back into the shapes aistack returns (protocol/github.ts). gh's `--json` output is
 * checked with zod rather than trusted, so a gh version that renames a field gives a
 * clear error instead of `undefined` further down; nested objects (`author.login`,
 * `labels[].name`) are flattened so tables and models get plain values.
 */
import { z } from 'zod';
import type {
  CreatedIssue,
  IssueSummary,
  PullRequestSummary,
  RepoSummary,
} from '../../protocol/github.js';

export const ISSUE_FIELDS = 'number,title,state,url,author,labels,createdAt';
export const PR_FIELDS = 'number,title,state,url,author,headRefName,createdAt';
export const REPO_FIELDS = 'name,owner,description,url,defaultBranchRef,visibility,stargazerCount';

// Ghost (deleted) users come back as null or without a login.
const author = z
  .object({ login: z.string().optional() })
  .nullish()
  .transform((a) => a?.login ?? null);

const issueRow = z
  .object({
    number: z.number(),
    title: z.string(),
    state: z.string(),
    url: z.string(),
    author,
    labels: z
      .array(z.object({ name: z.string() }))
      .nullish()
      .transform((ls) => (ls ?? []).map((l) => l.name)),
    createdAt: z.string(),
  })
  .transform((r): IssueSummary => r);

const prRow = z
  .object({
    number: z.number(),
    title: z.string(),
    state: z.string(),
    url: z.string(),
    author,
    headRefName: z.string(),
    createdAt: z.string(),
  })
  .transform((r): PullRequestSummary => r);

const repoRow = z
  .object({
    name: z.string(),
    owner: z.object({ login: z.string() }),
    description: z.string().nullish(),
    url: z.string(),
    defaultBranchRef: z.object({ name: z.string() }).nullish(),
    visibility: z.string(),
    stargazerCount: z.number(),
  })
  .transform((r): RepoSummary => ({
    name: r.name,
    owner: r.owner.login,
    description: r.description || null,
    url: r.url,
    defaultBranch: r.defaultBranchRef?.name || null,
    visibility: r.visibility,
    stargazerCount: r.stargazerCount,
  }));

/** Thrown for output that is not what `--json` promises; the service reports it. */
export class GhOutputError extends Error {}

function parseJson<T>(stdout: string, schema: z.ZodType<T>): T {
  let raw: unknown;
  try {
    raw = JSON.parse(stdout);
  } catch {
    throw new GhOutputError('gh printed output that is not JSON');
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const where = parsed.error.issues[0]?.path.map(String).join('.') || '(top)';
    throw new GhOutputError(`gh printed JSON of an unexpected shape (at ${where})`);
  }
  return parsed.data;
}

export const parseIssues = (stdout: string) => parseJson(stdout, z.array(issueRow));
export const parsePullRequests = (stdout: string) => parseJson(stdout, z.array(prRow));
export const parseRepo = (stdout: string) => parseJson(stdout, repoRow);

/** `gh issue create` prints the new issue's URL as its last line. */
export function parseCreatedIssue(stdout: string): CreatedIssue {
  const lines = stdout.split('\n').map((l) => l.trim());
  const url = lines.reverse().find((l) => /^https?:\/\/\S+$/.test(l));
  if (!url) throw new GhOutputError('gh did not print the URL of the new issue');
  const number = /\/issues\/(\d+)$/.exec(url)?.[1];
  return { url, number: number ? Number(number) : null };
}
