/**
 * The time parts of the memory methods' params: expiry on a store (`ttlSeconds` or
 * `expiresAt`), the created/updated windows and sort orders of list and search, and the
 * `since` of memory.changes. Times on input are ISO-8601 with a zone (`Z` or an offset);
 * answers always give them in UTC (`…Z`).
 */
import { z } from 'zod';

/** The longest TTL: ten years. */
export const TTL_SECONDS_MAX = 10 * 365 * 24 * 3600;

export const isoInput = z.iso.datetime({ offset: true });

export const expiryParams = {
  ttlSeconds: z
    .number()
    .int()
    .min(1)
    .max(TTL_SECONDS_MAX)
    .optional()
    .describe(
      'Seconds until the entry expires: from then on no read returns it, and the memory.expire job deletes it. Not with expiresAt. Without either, the entry never expires (a store replaces any earlier expiry).',
    ),
  expiresAt: isoInput
    .optional()
    .describe('When the entry expires (ISO-8601, in the future). Not with ttlSeconds.'),
};

/** Refuses ttlSeconds together with expiresAt (the past is refused by the service, which knows the time). */
export const oneExpiry: [
  (p: { ttlSeconds?: number | undefined; expiresAt?: string | undefined }) => boolean,
  { message: string; path: string[] },
] = [
  (p) => p.ttlSeconds === undefined || p.expiresAt === undefined,
  { message: 'give ttlSeconds or expiresAt, not both', path: ['expiresAt'] },
];

export const timeFilterParams = {
  createdAfter: isoInput.optional().describe('Only entries created at or after this time.'),
  createdBefore: isoInput.optional().describe('Only entries created before this time.'),
  updatedAfter: isoInput.optional().describe('Only entries last written at or after this time.'),
  updatedBefore: isoInput.optional().describe('Only entries last written before this time.'),
};

export const orderParam = z
  .enum(['desc', 'asc'])
  .optional()
  .describe('With a time sort: desc (newest first, the default) or asc (oldest first).');

export const listSortParams = {
  sort: z
    .enum(['updated', 'created'])
    .optional()
    .describe('Order by the last write (updated, the default) or by creation (created).'),
  order: orderParam,
};

/** How deep a search sorted by time looks: the best this many matches, put in time order. */
export const TIME_SORT_DEPTH = 1000;

export const searchSortParams = {
  sort: z
    .enum(['relevance', 'updated', 'created'])
    .optional()
    .describe(
      `relevance (the default), or the best ${TIME_SORT_DEPTH} matches by relevance put in order of their last write (updated) or creation (created); a time sort searches in mode fts (offset + limit ≤ ${TIME_SORT_DEPTH}).`,
    ),
  order: orderParam,
};
