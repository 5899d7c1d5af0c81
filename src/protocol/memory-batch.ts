/**
 * `memory.storeMany`, `memory.getMany`, `memory.deleteMany` (batches) and `memory.changes`
 * (what changed since a time) on the wire. A batch is all or nothing: every item is
 * checked (its params, its namespace's access, its expiry) before anything is written,
 * and the first bad one fails the call with its index (`data.index`), nothing written.
 * Each item obeys exactly the rules of the single call it stands for.
 */
import { z } from 'zod';
import { defineMethod } from './method.js';
import { entryViewSchema } from './memory-results.js';
import { keySchema, namespaceSchema, sessionParams, storeItemFields } from './memory-schemas.js';
import { isoInput, oneExpiry } from './memory-time.js';

const count = z.number().int().min(0);
const iso = z.iso.datetime();

export const BATCH_LIMITS = { itemsMax: 500, changesLimitMax: 1000 } as const;

const storeItemSchema = z
  .strictObject({
    ...storeItemFields,
    scope: storeItemFields.scope.describe("Without a namespace: as memory.store's scope."),
  })
  .refine(...oneExpiry);

const keyRefSchema = z.strictObject({
  key: keySchema,
  namespace: namespaceSchema
    .optional()
    .describe('Its namespace (default: where memory.get / memory.delete would look).'),
});

const writtenSchema = z.strictObject({
  namespace: namespaceSchema.describe('Where it was written.'),
  key: keySchema,
  id: z.string(),
  version: z.number().int().min(1),
  created: z.boolean().describe('True for a new key, false for an update.'),
  expiresAt: iso.optional(),
});

const changeSchema = z.strictObject({
  kind: z.enum(['created', 'updated', 'deleted']),
  namespace: namespaceSchema,
  key: keySchema,
  id: z.string().describe("The entry's id (the deleted entry's, for a delete)."),
  version: z.number().int().min(1).describe('Its version now, or the version deleted.'),
  at: iso.describe('When: its last write, or when it was deleted or expired.'),
  reason: z
    .enum(['deleted', 'expired'])
    .optional()
    .describe('For a delete: deleted by a caller, or expired.'),
});

const ITEMS = `at most ${BATCH_LIMITS.itemsMax} items`;

export const memoryBatchMethods = [
  defineMethod({
    name: 'memory.storeMany',
    description: `Stores several entries in one transaction, all or nothing (${ITEMS}). Each item takes memory.store's params and lands where memory.store would put it. One bad item (invalid, a namespace you may not write, an expiry in the past) fails the call naming its index, and nothing is written. Needs a session.`,
    params: z.strictObject({
      items: z.array(storeItemSchema).min(1).max(BATCH_LIMITS.itemsMax),
      ...sessionParams,
    }),
    result: z.strictObject({
      results: z.array(writtenSchema).describe('One per item, in order.'),
      created: count,
      updated: count,
    }),
    access: 'public',
    scope: 'memory:write',
    mcpTool: 'memory_store_many',
  }),
  defineMethod({
    name: 'memory.getMany',
    description: `Reads several entries by key (${ITEMS}), each found or not (found: false) on its own; a namespace you may not read fails the call naming the item. Whole contents while they fit the reply budget: when the next would not, the reply stops with truncated: true and next = the index to ask again from.`,
    params: z.strictObject({
      items: z.array(keyRefSchema).min(1).max(BATCH_LIMITS.itemsMax),
      ...sessionParams,
    }),
    result: z.strictObject({
      results: z
        .array(
          z.strictObject({
            index: count,
            namespace: namespaceSchema.describe('Where it was found (or first looked for).'),
            key: keySchema,
            found: z.boolean(),
            entry: entryViewSchema.optional().describe('With its whole content, when found.'),
          }),
        )
        .describe('One per item answered, in order.'),
      found: count,
      missing: count,
      truncated: z.boolean(),
      next: count
        .nullable()
        .describe('The index of the first item not answered (budget), or null.'),
    }),
    access: 'public',
    scope: 'memory:read',
    mcpTool: 'memory_get_many',
  }),
  defineMethod({
    name: 'memory.deleteMany',
    description: `Deletes several entries in one transaction, all or nothing: the \`items\` named (${ITEMS}; one in a namespace you may not write fails the call naming it, nothing deleted), or the entries of one namespace whose key starts with \`prefix\` (the first ${BATCH_LIMITS.itemsMax} in key order per call; \`remaining\` says how many are left). dryRun: true deletes nothing and shows what would go. Each delete keeps the entry's last version in history and takes its links, as memory.delete does. Needs a session.`,
    params: z
      .strictObject({
        items: z.array(keyRefSchema).min(1).max(BATCH_LIMITS.itemsMax).optional(),
        prefix: z
          .string()
          .min(1)
          .max(255)
          .optional()
          .describe('Delete the entries whose key starts with this (in `namespace`).'),
        namespace: namespaceSchema
          .optional()
          .describe('With prefix: the namespace (default: where memory.delete would look).'),
        dryRun: z.boolean().optional().describe('Show what would be deleted; delete nothing.'),
        ...sessionParams,
      })
      .refine((p) => (p.items === undefined) !== (p.prefix === undefined), {
        message: 'give either items or prefix',
        path: ['items'],
      })
      .refine((p) => p.items === undefined || p.namespace === undefined, {
        message: "namespace goes with prefix; name each item's namespace in the item",
        path: ['namespace'],
      }),
    result: z.strictObject({
      dryRun: z.boolean(),
      results: z
        .array(
          z.strictObject({
            namespace: namespaceSchema,
            key: keySchema,
            found: z.boolean().describe('There was such an entry (deleted, or to be).'),
          }),
        )
        .describe('The items in order, or the keys the prefix matched on this call.'),
      deleted: count.describe('Entries deleted (0 on a dry run).'),
      matched: count.describe('Entries found on this call (deleted, or to be on a dry run).'),
      remaining: count.describe('With prefix: matching entries left after this call.'),
    }),
    access: 'public',
    scope: 'memory:write',
    mcpTool: 'memory_delete_many',
  }),
  defineMethod({
    name: 'memory.changes',
    description: `What was created, updated or deleted (or expired) since a time, oldest first, in every namespace you may see or one. Each key shows once, as it is now. Deletions are remembered for memory.changes.retentionDays; another session's private changes never show. Pass the cursor back with the same since for the next page; \`until\` is the time to use as since next.`,
    params: z.strictObject({
      since: isoInput.describe('Changes at or after this time (ISO-8601).'),
      namespace: namespaceSchema.optional(),
      limit: z.number().int().min(1).max(BATCH_LIMITS.changesLimitMax).default(100),
      cursor: z.string().min(1).max(200).optional(),
      ...sessionParams,
    }),
    result: z.strictObject({
      changes: z.array(changeSchema),
      count,
      truncated: z.boolean(),
      cursor: z.string().nullable(),
      until: iso,
    }),
    access: 'public',
    scope: 'memory:read',
    mcpTool: 'memory_changes',
  }),
];
