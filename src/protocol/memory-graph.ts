/**
 * `memory.link`, `memory.unlink`, `memory.related` (relations between entries),
 * `memory.history`, `memory.restoreVersion` (earlier versions) and `memory.append` on
 * the wire. The same rules as get and store hold: writes need a session and land where a
 * store could; reads see what a get or a list could. A link end the caller may not see is
 * NOT_FOUND exactly as a missing entry is, and a walk never shows what lies beyond it.
 */
import { z } from 'zod';
import { defineMethod } from './method.js';
import { entryViewSchema } from './memory-results.js';
import {
  contentSchema,
  entrySchema,
  keySchema,
  LIMITS,
  metadataSchema,
  namespaceSchema,
  sessionParams,
} from './memory-schemas.js';

const count = z.number().int().min(0);
const iso = z.iso.datetime();

export const GRAPH_LIMITS = { depthMax: 5, nodesMax: 1000, nodesDefault: 100 } as const;

const refSchema = z.strictObject({
  key: keySchema,
  namespace: namespaceSchema
    .optional()
    .describe('Its namespace (default: your session namespace).'),
});

const linkTypeSchema = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:/-]*$/, 'type may contain only letters, digits and . _ : / -')
  .describe('What the link means, e.g. "depends-on", "cites", "supersedes" (1–64 characters).');

const directionSchema = z
  .enum(['out', 'in', 'both'])
  .describe('out: links from each node; in: links to it; both (default).');

const nodeRef = z.strictObject({ namespace: namespaceSchema, key: keySchema });

const linkSchema = z.strictObject({
  from: nodeRef,
  to: nodeRef,
  type: linkTypeSchema,
  metadata: metadataSchema,
  createdAt: iso,
});

/** A kept earlier version of an entry (a preview, or the whole content when one version was asked for). */
const versionSchema = entryViewSchema.extend({
  change: z
    .enum(['updated', 'deleted'])
    .describe('What replaced it: an update (or append or restore), or a delete.'),
  replacedAt: iso.describe('When it stopped being the current version.'),
});

const entryHeadSchema = entrySchema
  .omit({ content: true })
  .extend({ size: count.describe("The content's length in characters.") });

export const memoryGraphMethods = [
  defineMethod({
    name: 'memory.link',
    description:
      'Links two entries (from → to) with a type and optional metadata; linking the same pair with the same type again replaces its metadata. Needs a session. Each end is named by key and namespace (default: your session namespace); an end that does not exist or that you may not see is NOT_FOUND. A link goes when either entry is deleted.',
    params: z.strictObject({
      from: refSchema,
      to: refSchema,
      type: linkTypeSchema,
      metadata: metadataSchema.optional(),
      ...sessionParams,
    }),
    result: z.strictObject({
      link: linkSchema,
      created: z.boolean().describe('False when the link existed (its metadata was replaced).'),
    }),
    access: 'public',
    scope: 'memory:write',
    mcpTool: 'memory_link',
  }),
  defineMethod({
    name: 'memory.unlink',
    description:
      'Removes the link from → to of the given type (every type without one). Needs a session; ends as for memory.link.',
    params: z.strictObject({
      from: refSchema,
      to: refSchema,
      type: linkTypeSchema.optional(),
      ...sessionParams,
    }),
    result: z.strictObject({ removed: count.describe('Links removed (0 when there were none).') }),
    access: 'public',
    scope: 'memory:write',
    mcpTool: 'memory_unlink',
  }),
  defineMethod({
    name: 'memory.related',
    description: `The entries linked to one, up to depth links away (1–${GRAPH_LIMITS.depthMax}), as a subgraph: nodes (entry previews, each with the depth it was reached at) and the links among them. Each entry is visited once, so cycles end. Only entries you may read are shown or walked through; links to others are left out without a trace. At most \`limit\` nodes (truncated: true when some were left out).`,
    params: z.strictObject({
      key: keySchema,
      namespace: namespaceSchema
        .optional()
        .describe('Where the start entry is (default: your session namespace, or "default").'),
      type: linkTypeSchema.optional().describe('Follow only links of this type.'),
      direction: directionSchema.optional(),
      depth: z.number().int().min(1).max(GRAPH_LIMITS.depthMax).default(1),
      limit: z
        .number()
        .int()
        .min(1)
        .max(GRAPH_LIMITS.nodesMax)
        .default(GRAPH_LIMITS.nodesDefault)
        .describe('Most nodes returned, the start included.'),
      ...sessionParams,
    }),
    result: z.strictObject({
      root: nodeRef,
      nodes: z.array(
        entryViewSchema.extend({ depth: count.describe('Links from the start (0 for it).') }),
      ),
      edges: z.array(linkSchema),
      truncated: z
        .boolean()
        .describe('True when nodes were left out (limit, or daemon.replyBudgetBytes).'),
    }),
    access: 'public',
    scope: 'memory:read',
    mcpTool: 'memory_related',
  }),
  defineMethod({
    name: 'memory.history',
    description:
      'Earlier versions of an entry, newest first (each update, append, restore and delete keeps the version it replaced; memory.history.keep versions per key). Previews, or with `version` that one version whole. Works for a deleted entry too, while its versions are kept.',
    params: z.strictObject({
      key: keySchema,
      namespace: namespaceSchema
        .optional()
        .describe('Default: your session namespace, or "default" without a session.'),
      version: z.number().int().min(1).optional().describe('Only this version, whole.'),
      ...sessionParams,
    }),
    result: z.strictObject({
      namespace: namespaceSchema,
      key: keySchema,
      current: z
        .number()
        .int()
        .min(1)
        .nullable()
        .describe("The entry's current version (null when it is deleted)."),
      versions: z.array(versionSchema),
      truncated: z.boolean().describe('True when daemon.replyBudgetBytes cut the list.'),
    }),
    access: 'public',
    scope: 'memory:read',
    mcpTool: 'memory_history',
  }),
  defineMethod({
    name: 'memory.restoreVersion',
    description:
      'Makes a kept earlier version current again (content, metadata, tags) by writing it as a new version, so the version it replaces is kept in history too; restores a deleted entry as well. Needs a session. A version no longer kept is NOT_FOUND, naming the versions that are (data.versions).',
    params: z.strictObject({
      key: keySchema,
      namespace: namespaceSchema.optional(),
      version: z.number().int().min(1),
      ...sessionParams,
    }),
    result: z.strictObject({
      entry: entrySchema,
      restoredFrom: z.number().int().min(1).describe('The version whose content it took.'),
    }),
    access: 'public',
    scope: 'memory:write',
    mcpTool: 'memory_restore_version',
  }),
  defineMethod({
    name: 'memory.append',
    description: `Adds text to the end of an entry in one step (creating the entry when there is none): concurrent appends all land, none overwrites another. Bumps the version and updates search and embeddings as a store does. Refused (INVALID_PARAMS) when the content would pass ${LIMITS.contentMax.toLocaleString('en')} characters. Needs a session.`,
    params: z.strictObject({
      key: keySchema,
      namespace: namespaceSchema.optional(),
      content: contentSchema.describe('The text to add.'),
      separator: z
        .string()
        .max(16)
        .default('\n')
        .describe('Put between the old content and the new text (default a newline).'),
      ...sessionParams,
    }),
    result: z.strictObject({
      entry: entryHeadSchema,
      created: z.boolean().describe('True when the entry did not exist.'),
    }),
    access: 'public',
    scope: 'memory:write',
    mcpTool: 'memory_append',
  }),
];
