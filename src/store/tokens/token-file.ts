/**
 * Scoped tokens on disk: `<data dir>/tokens.json` (0600), one record per token with the
 * SHA-256 of its secret, never the secret. Credentials live beside the owner token, not
 * in the memory database, so restoring a backup can neither revive a revoked token nor
 * drop a new one. Every write goes to a fresh temp file (0600, exclusive) and is renamed
 * into place, so a crash leaves the old file or the new one, never half of either.
 */
import { randomBytes } from 'node:crypto';
import {
  closeSync,
  constants,
  fsyncSync,
  lstatSync,
  openSync,
  readFileSync,
  renameSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';

export interface TokenRecord {
  name: string;
  /** SHA-256 of the secret, hex. */
  hash: string;
  scopes: string[];
  createdAt: number;
  expiresAt: number | null;
  lastUsedAt: number | null;
  revokedAt: number | null;
}

export const TOKENS_FILE = 'tokens.json';

export class TokenFile {
  readonly path: string;

  constructor(dataDir: string) {
    this.path = join(dataDir, TOKENS_FILE);
  }

  read(): TokenRecord[] {
    let st;
    try {
      st = lstatSync(this.path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    if (!st.isFile() || st.mode & 0o077) {
      throw new Error(`${this.path} must be a regular file readable only by its owner (chmod 600)`);
    }
    const fd = openSync(this.path, constants.O_RDONLY | constants.O_NOFOLLOW);
    try {
      const parsed = JSON.parse(readFileSync(fd, 'utf8')) as { tokens?: TokenRecord[] };
      return Array.isArray(parsed.tokens) ? parsed.tokens : [];
    } finally {
      closeSync(fd);
    }
  }

  write(tokens: readonly TokenRecord[]): void {
    const tmp = `${this.path}.${randomBytes(6).toString('hex')}.tmp`;
    const flags = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;
    const fd = openSync(tmp, flags, 0o600);
    try {
      writeSync(fd, JSON.stringify({ version: 1, tokens }, null, 2) + '\n');
      fsyncSync(fd);
    } catch (err) {
      closeSync(fd);
      unlinkSync(tmp);
      throw err;
    }
    closeSync(fd);
    renameSync(tmp, this.path);
  }
}
