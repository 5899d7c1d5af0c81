/**
 * The time parts of memory params turned into what the store takes: ISO times into
 * milliseconds (time filters, `since`), and a store's `ttlSeconds` / `expiresAt` into an
 * expiry, refused (INVALID_PARAMS, naming the field) when it is not in the future.
 */
import { AppError } from '../../core/errors.js';
import type { Filters } from '../../store/memory/memory-scope.js';

export interface TimeFilterParams {
  createdAfter?: string | undefined;
  createdBefore?: string | undefined;
  updatedAfter?: string | undefined;
  updatedBefore?: string | undefined;
}

export interface ExpiryParams {
  ttlSeconds?: number | undefined;
  expiresAt?: string | undefined;
}

const NAMES = ['createdAfter', 'createdBefore', 'updatedAfter', 'updatedBefore'] as const;

/** The time filters given, in ms since the epoch. */
export function timeFilters(p: TimeFilterParams): Filters {
  const out: Filters = {};
  for (const name of NAMES) {
    const value = p[name];
    if (value !== undefined) out[name] = Date.parse(value);
  }
  return out;
}

/**
 * The expiry a store asks for, in ms since the epoch (null: none). `path` names the
 * field's place in the params for the error (an item of a batch, say).
 */
export function expiryOf(
  p: ExpiryParams,
  now: number,
  path: (string | number)[] = [],
): number | null {
  if (p.ttlSeconds !== undefined) return now + p.ttlSeconds * 1000;
  if (p.expiresAt === undefined) return null;
  const at = Date.parse(p.expiresAt);
  if (at <= now) {
    throw new AppError(
      'INVALID_PARAMS',
      `expiresAt ${p.expiresAt} is not in the future (now is ${new Date(now).toISOString()})`,
      { issues: [{ path: [...path, 'expiresAt'], message: 'expiresAt must be in the future' }] },
    );
  }
  return at;
}
