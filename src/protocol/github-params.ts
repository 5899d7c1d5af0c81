/**
 * What a caller may ask of GitHub, as zod schemas. These are the only gate between a
 * model's text and `gh`'s argument list, so they are strict: a repository is
 * `owner/name` in GitHub's own alphabet (it can never start with `-`, so it can never
 * be read as an option), labels use a small alphabet without commas (gh splits
 * `--label` values on commas) or quotes, and lengths are bounded. Titles and bodies are
 * free text on purpose; `github.ts` keeps them inert by gluing each to its flag.
 *
 * They are part of the wire contract (the method specs in github.ts use them) and the
 * GitHub service parses with them again before building an argument list.
 */
import { z } from 'zod';

const REPO = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})\/[A-Za-z0-9._-]{1,100}$/;
/** Starts with a letter or digit; no comma (gh splits on it), no quotes (gh parses CSV). */
const LABEL = /^[A-Za-z0-9][A-Za-z0-9 _.:/+#&()-]{0,49}$/;

export const repoSchema = z
  .string()
  .regex(REPO, 'must be owner/name (letters, digits, "-", "." and "_"; owner first)')
  .refine((r) => !r.startsWith('-'), 'must not start with "-"')
  // `owner/..` fits the alphabet but would walk up the API path.
  .refine((r) => !/\/\.{1,2}$/.test(r), 'name must not be "." or ".."')
  .describe('Repository as owner/name, e.g. "octocat/hello-world".');

export const labelSchema = z
  .string()
  .regex(LABEL, 'labels are 1–50 letters, digits, spaces and _ . : / + # & ( ) -, no commas')
  .describe('A label name.');

const limitSchema = z
  .number()
  .int()
  .min(1)
  .max(100)
  .default(30)
  .describe('How many to return (1–100, default 30).');

export const issueCreateParams = z.strictObject({
  repo: repoSchema,
  title: z.string().min(1).max(256).describe('Issue title (1–256 characters).'),
  body: z.string().max(65_536).default('').describe('Issue body, Markdown (≤ 65,536 characters).'),
  labels: z.array(labelSchema).max(20).default([]).describe('Up to 20 labels to add.'),
});

export const issueListParams = z.strictObject({
  repo: repoSchema,
  state: z.enum(['open', 'closed', 'all']).default('open').describe('Which issues (default open).'),
  limit: limitSchema,
  label: labelSchema.optional().describe('Only issues with this label.'),
});

export const prListParams = z.strictObject({
  repo: repoSchema,
  state: z
    .enum(['open', 'closed', 'merged', 'all'])
    .default('open')
    .describe('Which pull requests (default open).'),
  limit: limitSchema,
});

export const repoViewParams = z.strictObject({ repo: repoSchema });

export type IssueCreateInput = z.input<typeof issueCreateParams>;
export type IssueListInput = z.input<typeof issueListParams>;
export type PrListInput = z.input<typeof prListParams>;
export type RepoViewInput = z.input<typeof repoViewParams>;
