/**
 * Who a connection is: the owner (whoever can read `owner.token` in the data dir) or the
 * holder of a scoped token. `authenticate` turns a presented secret into a Principal by
 * comparing SHA-256 hashes in constant time; `stillValid` is asked on every call, so a
 * revoked or expired token loses its authority on connections it already opened.
 * Creating, listing and revoking tokens is the owner's business (scope `admin`).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { AppError } from '../../core/errors.js';
import { newToken } from '../../core/owner-token.js';
import { SCOPE_NAMES, type Scope } from '../../protocol/scopes.js';
import { TokenFile, type TokenRecord } from '../../store/tokens/token-file.js';
import type { AuditSink } from '../audit/audit-sink.js';

export interface Principal {
  kind: 'owner' | 'token';
  /** "owner", or the token's name. */
  name: string;
  scopes: ReadonlySet<Scope>;
  /** The hash prefix that names the token in logs and audit records. */
  fingerprint: string;
}

const sha256 = (secret: string) => createHash('sha256').update(secret).digest();
const fingerprintOf = (hashHex: string) => hashHex.slice(0, 12);
const DAY_MS = 24 * 60 * 60 * 1000;
/** Last use is written at most this often per token (each write rewrites the file). */
const LAST_USE_RESOLUTION_MS = 60_000;

export class TokenService {
  private readonly file: TokenFile;
  private tokens: TokenRecord[];
  private readonly ownerHash: Buffer;
  private readonly ownerScopes: ReadonlySet<Scope> = new Set(SCOPE_NAMES);

  constructor(
    private readonly deps: {
      dataDir: string;
      ownerToken: string;
      audit: AuditSink;
      now: () => number;
    },
  ) {
    this.file = new TokenFile(deps.dataDir);
    this.tokens = this.file.read();
    this.ownerHash = sha256(deps.ownerToken);
  }

  /** The principal behind a presented secret, or undefined (unknown, revoked or expired). */
  authenticate(secret: string): Principal | undefined {
    const hash = sha256(secret);
    if (timingSafeEqual(hash, this.ownerHash)) {
      return {
        kind: 'owner',
        name: 'owner',
        scopes: this.ownerScopes,
        fingerprint: fingerprintOf(hash.toString('hex')),
      };
    }
    const hex = hash.toString('hex');
    const record = this.tokens.find(
      (t) => t.hash.length === 64 && timingSafeEqual(Buffer.from(t.hash, 'hex'), hash),
    );
    if (!record || !this.usable(record)) return undefined;
    this.touch(record);
    return {
      kind: 'token',
      name: record.name,
      scopes: new Set(record.scopes as Scope[]),
      fingerprint: fingerprintOf(hex),
    };
  }

  /** Whether a principal may still act (a token revoked or expired since its hello may not). */
  stillValid(principal: Principal): boolean {
    if (principal.kind === 'owner') return true;
    const record = this.tokens.find((t) => t.name === principal.name);
    return (
      record !== undefined &&
      fingerprintOf(record.hash) === principal.fingerprint &&
      this.usable(record)
    );
  }

  create(p: { name: string; scopes: Scope[]; expiresInDays?: number | undefined }) {
    if (this.tokens.some((t) => t.name === p.name && t.revokedAt === null)) {
      throw new AppError(
        'CONFLICT',
        `a token named ${p.name} exists; revoke it first or pick another name`,
      );
    }
    const secret = newToken();
    const now = this.deps.now();
    const record: TokenRecord = {
      name: p.name,
      hash: sha256(secret).toString('hex'),
      scopes: [...new Set(p.scopes)],
      createdAt: now,
      expiresAt: p.expiresInDays ? now + p.expiresInDays * DAY_MS : null,
      lastUsedAt: null,
      revokedAt: null,
    };
    this.save([...this.tokens.filter((t) => t.name !== p.name), record]);
    this.deps.audit.record('token.created', {
      name: p.name,
      scopes: record.scopes,
      fingerprint: fingerprintOf(record.hash),
    });
    return { token: secret, info: this.info(record) };
  }

  list() {
    return { tokens: this.tokens.map((t) => this.info(t)) };
  }

  revoke(name: string) {
    const record = this.tokens.find((t) => t.name === name);
    if (!record) throw new AppError('NOT_FOUND', `no token named ${name}`);
    const revoked = record.revokedAt === null;
    if (revoked) {
      record.revokedAt = this.deps.now();
      this.save(this.tokens);
      this.deps.audit.record('token.revoked', { name, fingerprint: fingerprintOf(record.hash) });
    }
    return { revoked, info: this.info(record) };
  }

  private usable(t: TokenRecord): boolean {
    return t.revokedAt === null && (t.expiresAt === null || t.expiresAt > this.deps.now());
  }

  private touch(t: TokenRecord): void {
    const now = this.deps.now();
    if (t.lastUsedAt !== null && now - t.lastUsedAt < LAST_USE_RESOLUTION_MS) return;
    t.lastUsedAt = now;
    this.save(this.tokens);
  }

  private save(tokens: TokenRecord[]): void {
    this.file.write(tokens);
    this.tokens = tokens;
  }

  private info(t: TokenRecord) {
    const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
    return {
      name: t.name,
      scopes: t.scopes as Scope[],
      createdAt: new Date(t.createdAt).toISOString(),
      expiresAt: iso(t.expiresAt),
      lastUsedAt: iso(t.lastUsedAt),
      revokedAt: iso(t.revokedAt),
      fingerprint: fingerprintOf(t.hash),
    };
  }
}
