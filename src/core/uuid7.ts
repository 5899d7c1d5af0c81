/**
 * UUID version 7 (RFC 9562): 48 bits of Unix milliseconds, then 74 random bits. Ids made
 * one after another sort one after another, so a UNIQUE index on them grows at its
 * right edge: a batch of new entries dirties one index page instead of one page per
 * entry, as random (version 4) ids do. Measured on the memory store, in batches of 8
 * writes: the id index was the largest share of the WAL (11,485 of 42,353 page writes
 * for 8,000 entries). The random bits come from the CSPRNG, as randomUUID's do; the
 * time part says no more than the entry's createdAt already does.
 */
import { randomFillSync } from 'node:crypto';

const POOL_IDS = 256;
const pool = Buffer.alloc(10 * POOL_IDS);
let next = POOL_IDS;

const hex = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/** A version 7 UUID for `now` (milliseconds since the epoch; default the clock). */
export function uuid7(now = Date.now()): string {
  if (next === POOL_IDS) {
    randomFillSync(pool);
    next = 0;
  }
  const r = pool.subarray(10 * next, 10 * next + 10);
  next++;
  const b = new Uint8Array(16);
  // 48-bit big-endian milliseconds: the high 16 bits, then the low 32.
  const high = Math.floor(now / 2 ** 32);
  const low = now >>> 0;
  b[0] = (high >>> 8) & 0xff;
  b[1] = high & 0xff;
  b[2] = low >>> 24;
  b[3] = (low >>> 16) & 0xff;
  b[4] = (low >>> 8) & 0xff;
  b[5] = low & 0xff;
  b[6] = 0x70 | (r[0]! & 0x0f); // version 7, then 12 random bits
  b[7] = r[1]!;
  b[8] = 0x80 | (r[2]! & 0x3f); // variant 10, then 62 random bits
  for (let i = 9; i < 16; i++) b[i] = r[i - 6]!;
  let s = '';
  for (let i = 0; i < 16; i++) {
    s += hex[b[i]!];
    if (i === 3 || i === 5 || i === 7 || i === 9) s += '-';
  }
  return s;
}
