/**
 * The answers of the `memory.*` methods that are more than an entry or two: search
 * results with how each matched, the embeddings' status, and the reindex and import
 * counts. Shared by the method specs (memory.ts), the MCP shim and the CLI.
 */
import { z } from 'zod';
import { entrySchema, keySchema, namespaceSchema } from './memory-schemas.js';

const count = z.number().int().min(0);

/** Characters of content in a preview; pages asking for whole contents hold at most this many entries. */
export const PAGE_LIMITS = { previewChars: 200, fullContentLimitMax: 50 } as const;

/** An entry as lists and searches show it: a preview of its content, or (asked for) the whole of it. */
export const entryViewSchema = entrySchema.omit({ content: true }).extend({
  size: count.describe("The content's length in characters."),
  cut: z
    .boolean()
    .describe(
      'True when preview (or content) is shorter than the whole content: memory.get reads it in full.',
    ),
  preview: z
    .string()
    .optional()
    .describe(
      `The first ${PAGE_LIMITS.previewChars} characters of the content (lists and searches).`,
    ),
  content: z
    .string()
    .optional()
    .describe('The whole content, when the call asked for it (content: true).'),
});

export type EntryView = z.output<typeof entryViewSchema>;

/** What every page-shaped reply says about where it stopped. */
const pageEnd = {
  truncated: z
    .boolean()
    .describe(
      'True when the reply budget (daemon.replyBudgetBytes) cut this page short, or cut an entry on it.',
    ),
  cursor: z
    .string()
    .nullable()
    .describe(
      'Pass it back as `cursor` to continue right after this page; null when nothing follows.',
    ),
};

const SEARCH_MODES = ['fts', 'vector', 'hybrid'] as const;
export const searchModeSchema = z.enum(SEARCH_MODES);

const searchResultSchema = z.strictObject({
  entry: entryViewSchema,
  score: z.number().describe('What results are ordered by: bm25, cosine or rrf, by mode.'),
  matchType: searchModeSchema.describe(
    'fts: matched by words; vector: by meaning; hybrid: by both.',
  ),
  scores: z
    .strictObject({
      bm25: z
        .number()
        .optional()
        .describe(
          'BM25, higher is better (full-text matches). Its word statistics cover only the entries you may read (shared namespaces and your own session), so it says nothing about other sessions.',
        ),
      cosine: z.number().optional().describe('Cosine similarity to the query (vector matches).'),
      rrf: z.number().optional().describe('Reciprocal-rank fusion score (hybrid search).'),
    })
    .describe('The component scores this result has.'),
  snippet: z.string().describe('The text around the matches, each match in [brackets].'),
});

export const searchResponseSchema = z.strictObject({
  results: z.array(searchResultSchema),
  count: count.describe('Results on this page.'),
  mode: searchModeSchema.describe('The mode the search ran in.'),
  degraded: z
    .string()
    .optional()
    .describe('Set when hybrid fell back to full-text only, with why.'),
  ...pageEnd,
});

export const entryPageSchema = z.strictObject({
  entries: z.array(entryViewSchema),
  total: count.describe('Every entry that matches, on all pages.'),
  ...pageEnd,
});

export const namespacesSchema = z.strictObject({
  namespaces: z.array(z.strictObject({ namespace: namespaceSchema, count })),
});

export const exportPageSchema = z.strictObject({
  entries: z.array(entrySchema),
  cursor: z
    .number()
    .int()
    .min(0)
    .nullable()
    .describe('Pass it back for the next page; null after the last one.'),
  truncated: z
    .boolean()
    .describe('True when the reply budget (daemon.replyBudgetBytes) ended this page early.'),
  omitted: z
    .array(
      z.strictObject({
        id: z.string(),
        namespace: namespaceSchema,
        key: keySchema,
        size: count.describe("The content's length in characters."),
      }),
    )
    .describe(
      'Entries too large for the reply budget on their own, left out of the export (raise daemon.replyBudgetBytes to export them).',
    ),
});

export const reindexResultSchema = z.strictObject({
  embedded: count,
  skipped: count.describe('Changed or deleted meanwhile, or already embedded.'),
  failed: count,
  remaining: count.describe('Entries still without a current vector afterwards.'),
  error: z.string().optional().describe('Why the reindex stopped early, if it did.'),
});

export const embeddingStatusSchema = z.strictObject({
  enabled: z.boolean(),
  provider: z.enum(['openai', 'ollama']),
  model: z.string(),
  dimensions: z.number().int().min(1),
  entries: count,
  embedded: count.describe('Entries with a vector from the current model.'),
  missing: count,
  stale: count.describe('Vectors made by another model or size; reindex replaces them.'),
  queued: count.describe('Waiting in the background queue.'),
  idle: z.boolean().describe('Nothing queued and no batch in flight.'),
  indexed: count.describe('Vectors in the in-memory index.'),
  indexReady: z.boolean(),
  worker: z.strictObject({
    embedded: count,
    skipped: count,
    failed: count,
    dropped: count.describe('Not queued because the queue was full.'),
    lastError: z.string().nullable(),
  }),
  reindexing: z.boolean(),
});

export const importResultSchema = z.strictObject({
  inserted: count,
  updated: count,
  rejected: z.array(
    z.strictObject({
      index: count.describe('Position in the batch sent.'),
      reason: z.string(),
    }),
  ),
});
