/**
 * Key fingerprints: what the daemon remembers about a key instead of the key. The hash
 * tells two keys apart (to notice a rotation and to date a key's first sighting) and
 * cannot be turned back into the key.
 */
import { createHash } from 'node:crypto';

/** sha256 of the key, hex. */
export function fingerprint(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

/** The first 12 hex characters of the fingerprint: enough to tell keys apart in a listing. */
export function shortFingerprint(key: string): string {
  return fingerprint(key).slice(0, 12);
}
