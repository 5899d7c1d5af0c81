/**
 * `memory.subscribe` / `memory.unsubscribe` on the wire, and the `memory.changed`
 * notification a subscribed connection gets after a committed write changed the entry.
 * Subscriptions belong to the connection (socket, or an MCP session over HTTP) and die
 * with it; the MCP layer maps them to `resources/subscribe` and
 * `notifications/resources/updated`.
 */
import { z } from 'zod';
import { defineMethod } from './method.js';
import { keySchema, namespaceSchema, sessionParams } from './memory-schemas.js';

/** Sent to the subscribed connection only, after the write that changed the entry committed. */
export const MEMORY_CHANGED_NOTIFICATION = 'memory.changed' as const;

export const SUBSCRIPTION_LIMITS = {
  /** Subscriptions one connection may hold at once; one more is BUSY. */
  perConnection: 1000,
} as const;

/** The params of `memory.changed`. */
export const memoryChangedSchema = z.union([
  z.strictObject({
    namespace: namespaceSchema,
    key: keySchema,
    version: z.number().int().min(1).describe("The entry's version now."),
  }),
  z.strictObject({
    namespace: namespaceSchema,
    key: keySchema,
    deleted: z.literal(true).describe('The entry is gone (deleted, or its session ended).'),
  }),
]);
export type MemoryChanged = z.output<typeof memoryChangedSchema>;

const entryRef = {
  key: keySchema,
  namespace: namespaceSchema
    .optional()
    .describe(
      'Where the entry is (default: as memory.get looks: the session\'s project, then its own namespace, or "default").',
    ),
  ...sessionParams,
};

export const memoryWatchMethods = [
  defineMethod({
    name: 'memory.subscribe',
    description: `From now on this connection gets a \`${MEMORY_CHANGED_NOTIFICATION}\` notification ({namespace, key, version} or {namespace, key, deleted: true}) after each committed write that changes the entry (store, append, restoreVersion, delete, batch writes, expiry, its session's end). The entry must exist and be readable by you now (memory.get's rules); one you may not read answers NOT_FOUND, as a missing one does. At most ${SUBSCRIPTION_LIMITS.perConnection} per connection (BUSY past it); they end with the connection, or with the session they were made in (except the notice of that session's own entries being deleted). Subscribing again to the same entry changes nothing.`,
    params: z.strictObject(entryRef),
    result: z.strictObject({
      subscribed: z.literal(true),
      namespace: namespaceSchema.describe('Where the entry subscribed to is.'),
      key: keySchema,
      version: z.number().int().min(1).describe("The entry's version as subscribed."),
      notification: z.literal(MEMORY_CHANGED_NOTIFICATION),
    }),
    access: 'public',
    scope: 'memory:read',
  }),
  defineMethod({
    name: 'memory.unsubscribe',
    description:
      "Ends this connection's subscription to the entry in `namespace`, or without one every subscription of this connection to that key; answers how many ended (0 when there was none).",
    params: z.strictObject({
      key: keySchema,
      namespace: namespaceSchema.optional(),
      ...sessionParams,
    }),
    result: z.strictObject({
      unsubscribed: z.number().int().min(0).describe('Subscriptions ended.'),
      namespaces: z.array(namespaceSchema).describe('Where the entries of those were.'),
    }),
    access: 'public',
    scope: 'memory:read',
  }),
];
