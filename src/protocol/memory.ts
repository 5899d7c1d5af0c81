/**
 * `memory.*` on the wire: the memory store's methods with their params and answers.
 * Session credentials ride along in every call; the daemon's memory service and its
 * access control decide what they allow.
 */
import { z } from 'zod';
import { defineMethod } from './method.js';
import {
  embeddingStatusSchema,
  entryPageSchema,
  exportPageSchema,
  importResultSchema,
  namespacesSchema,
  PAGE_LIMITS,
  reindexResultSchema,
  searchModeSchema,
  searchResponseSchema,
} from './memory-results.js';
import {
  agentIdSchema,
  entrySchema,
  keySchema,
  LIMITS,
  namespaceSchema,
  sessionParams,
  storeItemFields,
  tagsSchema,
} from './memory-schemas.js';
import { listSortParams, oneExpiry, searchSortParams, timeFilterParams } from './memory-time.js';

const readFilters = {
  namespace: namespaceSchema.optional(),
  tags: tagsSchema.optional().describe('Only entries carrying every one of these tags.'),
  agentId: agentIdSchema
    .optional()
    .describe(
      "Only this agent's entries (plus entries with no agent, unless includeShared is false).",
    ),
  includeShared: z
    .boolean()
    .optional()
    .describe('With agentId: also include entries that belong to no agent (default true).'),
  ...timeFilterParams,
  ...sessionParams,
};

const pageParams = {
  cursor: z
    .string()
    .min(1)
    .max(200)
    .optional()
    .describe('From the previous page: continue right after it (instead of offset).'),
  content: z
    .boolean()
    .optional()
    .describe(
      `Whole contents instead of ${PAGE_LIMITS.previewChars}-character previews; only for pages of at most ${PAGE_LIMITS.fullContentLimitMax} (limit ≤ ${PAGE_LIMITS.fullContentLimitMax}, else INVALID_PARAMS).`,
    ),
};

/** How every page-shaped reply is bounded, for the method descriptions. */
const PAGE_NOTE = `Entries come as previews (the first ${PAGE_LIMITS.previewChars} characters, with size and cut) unless content: true on a page of at most ${PAGE_LIMITS.fullContentLimitMax}. A reply never exceeds daemon.replyBudgetBytes: when the next item would, the page stops with truncated: true; pass the returned cursor back to continue (cursor is null when nothing follows).`;

export const memoryMethods = [
  defineMethod({
    name: 'memory.store',
    description:
      'Stores text under a key (creating or updating it; an update bumps version). Needs a session. Without a namespace it lands in your project\'s namespace when the session is bound to a project (scope: "session" keeps it in the session namespace, deleted when the session ends), else in your session namespace; name a shared namespace (any not starting with "session:" or "project:") to share it with everyone. ttlSeconds or expiresAt make it expire (no read returns it after that). The result names the namespace it was written to.',
    params: z
      .strictObject({
        ...storeItemFields,
        expectedVersion: z
          .number()
          .int()
          .min(0)
          .optional()
          .describe(
            'Write only if the entry is at this version now (0: only if the key does not exist yet); else CONFLICT with the current version, and nothing is written. For editors that must not overwrite a change made since they read.',
          ),
        ...sessionParams,
      })
      .refine(...oneExpiry),
    result: z.strictObject({
      entry: entrySchema,
      created: z.boolean().describe('True for a new key, false for an update.'),
    }),
    access: 'public',
    scope: 'memory:write',
    mcpTool: 'memory_store',
    http: { method: 'POST', path: '/memory' },
  }),
  defineMethod({
    name: 'memory.get',
    description:
      'Reads one entry by key. Without a namespace: your project\'s namespace, then your session namespace (a session bound to a project); your session namespace (a session without one); or "default" without a session. Missing keys are NOT_FOUND.',
    params: z.strictObject({
      key: keySchema,
      namespace: namespaceSchema.optional(),
      ...sessionParams,
    }),
    result: z.strictObject({ entry: entrySchema }),
    access: 'public',
    scope: 'memory:read',
    mcpTool: 'memory_get',
    http: { method: 'GET', path: '/memory/:key' },
  }),
  defineMethod({
    name: 'memory.search',
    description:
      'Searches every namespace you may see, or one. mode "fts": full-text (BM25, weighed over the entries you may read) — plain words, punctuation and operators are text, all words must match (match: "any" for any), the last also as a prefix. mode "vector": by meaning (cosine similarity of embeddings). mode "hybrid" (the default when embeddings are on; else "fts"): both, fused by reciprocal rank, so entries without an embedding are still found by their words. Each result has its matchType, its component scores and a snippet with matches in [brackets]; `degraded` says when hybrid fell back to full-text. ' +
      PAGE_NOTE,
    params: z.strictObject({
      query: z.string().min(1).max(10_000).describe('Words to look for.'),
      limit: z.number().int().min(1).max(LIMITS.searchLimitMax).default(10),
      offset: z.number().int().min(0).max(100_000).default(0),
      match: z.enum(['all', 'any']).optional(),
      mode: searchModeSchema
        .optional()
        .describe('fts, vector or hybrid (default: hybrid when embeddings are on, else fts).'),
      ...searchSortParams,
      ...pageParams,
      ...readFilters,
    }),
    result: searchResponseSchema,
    access: 'public',
    scope: 'memory:read',
    mcpTool: 'memory_search',
    http: { method: 'GET', path: '/memory', when: 'q', aliases: { q: 'query' } },
  }),
  defineMethod({
    name: 'memory.list',
    description:
      'Lists entries, newest first (or as `sort` and `order` say), from every namespace you may see or one, optionally within created/updated time windows; `total` counts all matches. ' +
      PAGE_NOTE,
    params: z.strictObject({
      limit: z.number().int().min(1).max(LIMITS.listLimitMax).default(20),
      offset: z.number().int().min(0).default(0),
      ...listSortParams,
      ...pageParams,
      ...readFilters,
    }),
    result: entryPageSchema,
    access: 'public',
    scope: 'memory:read',
    mcpTool: 'memory_list',
    http: { method: 'GET', path: '/memory' },
  }),
  defineMethod({
    name: 'memory.delete',
    description:
      'Deletes one entry by key (from your session namespace unless a shared namespace is named). Needs a session.',
    params: z.strictObject({
      key: keySchema,
      namespace: namespaceSchema.optional(),
      ...sessionParams,
    }),
    result: z.strictObject({
      deleted: z.boolean().describe('False when there was no such entry.'),
      namespace: namespaceSchema.describe('The namespace it was deleted from.'),
      key: keySchema,
    }),
    access: 'public',
    scope: 'memory:write',
    mcpTool: 'memory_delete',
    http: { method: 'DELETE', path: '/memory/:key' },
  }),
  defineMethod({
    name: 'memory.namespaces',
    description: 'Namespaces you may see, with their entry counts.',
    params: z.strictObject({ ...sessionParams }).prefault({}),
    result: namespacesSchema,
    access: 'public',
    scope: 'memory:read',
    http: { method: 'GET', path: '/namespaces' },
  }),
  defineMethod({
    name: 'memory.export',
    description:
      'A page of whole entries in insertion order (every shared namespace, or one); pass the returned cursor for the next page. A page never exceeds daemon.replyBudgetBytes (truncated: true when it stopped early); an entry too large for the budget on its own is never cut: it is named in `omitted` and left out.',
    params: z
      .strictObject({
        namespace: namespaceSchema.optional(),
        cursor: z.number().int().min(0).optional(),
        limit: z.number().int().min(1).max(5000).default(1000),
      })
      .prefault({}),
    result: exportPageSchema,
    access: 'local',
    scope: 'admin',
  }),
  defineMethod({
    name: 'memory.reindex',
    description:
      'Embeds entries that have no embedding, or one made by another model or size (one namespace, or all; at most `limit`). Sends memory.reindex.progress notifications ({done, total}) as it goes; stops if the connection closes. Returns embedded, skipped (changed meanwhile), failed and remaining counts.',
    params: z
      .strictObject({
        namespace: namespaceSchema.optional(),
        limit: z.number().int().min(1).max(10_000_000).optional(),
      })
      .prefault({}),
    result: reindexResultSchema,
    access: 'local',
    scope: 'admin',
    timeoutMs: null,
  }),
  defineMethod({
    name: 'memory.embeddingStatus',
    description:
      'Embeddings: provider, model, how many entries are embedded, missing or stale (another model), the background queue, and the vector index.',
    params: z.strictObject({}).prefault({}),
    result: embeddingStatusSchema,
    access: 'local',
    scope: 'admin',
  }),
  defineMethod({
    name: 'memory.import',
    description:
      'Writes a batch of exported entries in one transaction: new keys keep their id, timestamps and version; existing keys are updated. Returns inserted, updated and rejected counts.',
    params: z.strictObject({ entries: z.array(entrySchema).min(1).max(5000) }),
    result: importResultSchema,
    access: 'local',
    scope: 'admin',
    timeoutMs: null,
  }),
];
