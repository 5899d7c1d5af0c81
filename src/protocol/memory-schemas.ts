/**
 * The limits on memory input, as zod schemas, the fields one write of an entry takes, and
 * the shape of an entry on the wire. Each violation is a -32602 error naming the field, and
 * nothing is written. Namespaces use a documented safe alphabet: letters, digits and
 * `. _ : / -`, starting with a letter or digit, at most 100. Shared by the memory, session,
 * agent, task and plugin methods and by the CLI's import (which checks each line with
 * `entrySchema` before sending it).
 */
import { z } from 'zod';
import { expiryParams } from './memory-time.js';

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;

export const LIMITS = {
  keyMax: 255,
  contentMax: 1_000_000,
  namespaceMax: 100,
  metadataBytesMax: 64 * 1024,
  tagsMax: 32,
  tagMax: 64,
  agentIdMax: 100,
  searchLimitMax: 100,
  listLimitMax: 1000,
} as const;

export const namespaceSchema = z
  .string()
  .min(1)
  .max(LIMITS.namespaceMax)
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9._:/-]*$/,
    'namespace may contain only letters, digits and . _ : / - and must start with a letter or digit',
  )
  .describe(
    'Namespace. "session:<id>" is one session\'s, "project:<slug>" one project\'s; every other name is shared. A session writes to its project\'s namespace by default, or to its own "session:<id>" when it has no project.',
  );

export const keySchema = z
  .string()
  .min(1)
  .max(LIMITS.keyMax)
  .refine((k) => !CONTROL.test(k), 'key must not contain control characters')
  .describe('Entry key, unique within its namespace (1–255 characters).');

export const contentSchema = z
  .string()
  .min(1)
  .max(LIMITS.contentMax)
  .describe('The text to remember (at most 1,000,000 characters).');

export const metadataSchema = z
  .record(z.string(), z.unknown())
  .refine(
    (m) => JSON.stringify(m).length <= LIMITS.metadataBytesMax,
    `metadata must serialize to at most ${LIMITS.metadataBytesMax} bytes`,
  )
  .describe('Free-form JSON object (at most 64 KiB serialized).');

export const tagsSchema = z
  .array(
    z
      .string()
      .min(1)
      .max(LIMITS.tagMax)
      .refine((t) => !CONTROL.test(t), 'tag must not contain control characters'),
  )
  .max(LIMITS.tagsMax)
  .describe('Up to 32 tags, each 1–64 characters.');

export const agentIdSchema = z
  .string()
  .min(1)
  .max(LIMITS.agentIdMax)
  .describe('The agent this entry belongs to.');

export const sessionParams = {
  sessionId: z
    .string()
    .min(1)
    .max(100)
    .optional()
    .describe('Your session id (from session.start).'),
  sessionToken: z
    .string()
    .min(1)
    .max(200)
    .optional()
    .describe('Your session token (from session.start). Secret.'),
};

/**
 * What one write of an entry takes: memory.store's params (beside expectedVersion and the
 * session's) and each item of memory.storeMany. A strict object of them still wants
 * `.refine(...oneExpiry)`.
 */
export const storeItemFields = {
  key: keySchema,
  content: contentSchema,
  namespace: namespaceSchema.optional(),
  scope: z
    .enum(['project', 'session'])
    .optional()
    .describe(
      'Without a namespace: "project" (the default for a session bound to a project) keeps it in the project\'s namespace across sessions; "session" keeps it as scratch in the session namespace, deleted when the session ends.',
    ),
  metadata: metadataSchema.optional(),
  tags: tagsSchema.optional(),
  agentId: agentIdSchema.optional(),
  ...expiryParams,
};

/** A memory entry as every method returns it, and as `memory.export` writes it. */
export const entrySchema = z.strictObject({
  id: z.string().min(1).max(100),
  key: keySchema,
  namespace: namespaceSchema,
  content: contentSchema,
  metadata: metadataSchema,
  tags: tagsSchema,
  agentId: agentIdSchema.nullable(),
  sessionId: z.string().max(100).nullable().describe('The session that last wrote it, if any.'),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
  version: z
    .number()
    .int()
    .min(1)
    .describe(
      '1 when created (a key created again after a delete goes on from its kept versions); each update adds 1.',
    ),
  expiresAt: z.iso
    .datetime()
    .optional()
    .describe('When it expires (ttlSeconds or expiresAt on store); absent when it never does.'),
});

export type Entry = z.output<typeof entrySchema>;
