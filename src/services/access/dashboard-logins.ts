/**
 * Sign-in for the web dashboard, held in memory only: `aistack dashboard` asks for a
 * one-time login link (a random secret valid for a short time, kept as its SHA-256
 * hash), and the browser that opens it first gets a dashboard session (a cookie secret,
 * also kept hashed, with a CSRF token for its state-changing requests). A link works
 * once; a used or expired one is remembered until long after its expiry so the page it
 * leads to can say which. A daemon restart signs everybody out, which is the point.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export interface DashboardLoginsOptions {
  now: () => number;
  /** A session ends after this long without a request (default 30 min). */
  sessionIdleMs?: number;
  /** …and this long after sign-in whatever happens (default 12 h). */
  sessionMaxMs?: number;
}

export interface DashboardSession {
  /** A short public name for audit records (not the cookie). */
  id: string;
  csrfToken: string;
  createdAt: number;
  lastSeenAt: number;
  /**
   * The memory session the dashboard writes in for this signed-in user (opened by the
   * HTTP side, ended when this session ends). Never sent to the browser.
   */
  memory?: { id: string; token: string } | undefined;
}

export type Redeemed =
  | { ok: true; cookie: string; session: DashboardSession }
  | { ok: false; reason: 'expired' | 'used' | 'unknown' };

interface Link {
  expiresAt: number;
  used: boolean;
}

/** Pending links and sessions are bounded; the oldest go first. */
const MAX_LINKS = 100;
const MAX_SESSIONS = 50;
/** A used or expired link is remembered this long, to tell "used" and "expired" from "unknown". */
const REMEMBER_MS = 60 * 60 * 1000;

const hash = (secret: string) => createHash('sha256').update(secret).digest('hex');
const secret = () => randomBytes(32).toString('base64url');

export class DashboardLogins {
  private readonly links = new Map<string, Link>();
  private readonly sessions = new Map<string, DashboardSession>();
  private readonly idleMs: number;
  private readonly maxMs: number;
  private readonly endListeners: ((s: DashboardSession) => void)[] = [];

  constructor(private readonly options: DashboardLoginsOptions) {
    this.idleMs = options.sessionIdleMs ?? 30 * 60 * 1000;
    this.maxMs = options.sessionMaxMs ?? 12 * 60 * 60 * 1000;
  }

  /** Tells `listener` about every session that ends: signed out, expired or pushed out. */
  onEnd(listener: (s: DashboardSession) => void): () => void {
    this.endListeners.push(listener);
    return () => {
      const i = this.endListeners.indexOf(listener);
      if (i >= 0) this.endListeners.splice(i, 1);
    };
  }

  private drop(key: string): void {
    const s = this.sessions.get(key);
    if (!s) return;
    this.sessions.delete(key);
    for (const listener of this.endListeners) listener(s);
  }

  /** A new one-time link secret, valid for `ttlMs`. */
  createLink(ttlMs: number): { token: string; expiresAt: number } {
    this.prune();
    const token = secret();
    const expiresAt = this.options.now() + ttlMs;
    this.links.set(hash(token), { expiresAt, used: false });
    while (this.links.size > MAX_LINKS) this.links.delete(this.links.keys().next().value!);
    return { token, expiresAt };
  }

  /** Spends a link: a new session the first time within its time, else why not. */
  redeem(token: string): Redeemed {
    this.prune();
    const link = this.links.get(hash(token));
    if (!link) return { ok: false, reason: 'unknown' };
    if (link.used) return { ok: false, reason: 'used' };
    link.used = true;
    if (this.options.now() > link.expiresAt) return { ok: false, reason: 'expired' };
    const cookie = secret();
    const now = this.options.now();
    const session: DashboardSession = {
      id: hash(cookie).slice(0, 12),
      csrfToken: secret(),
      createdAt: now,
      lastSeenAt: now,
    };
    this.sessions.set(hash(cookie), session);
    while (this.sessions.size > MAX_SESSIONS) this.drop(this.sessions.keys().next().value!);
    return { ok: true, cookie, session };
  }

  /** The live session behind a cookie secret (its idle time restarts), or undefined. */
  session(cookie: string): DashboardSession | undefined {
    const key = hash(cookie);
    const s = this.sessions.get(key);
    if (!s) return undefined;
    const now = this.options.now();
    if (now - s.lastSeenAt > this.idleMs || now - s.createdAt > this.maxMs) {
      this.drop(key);
      return undefined;
    }
    s.lastSeenAt = now;
    return s;
  }

  /** Whether a presented CSRF token is this session's (constant time). */
  csrfMatches(s: DashboardSession, presented: string | undefined): boolean {
    if (presented === undefined) return false;
    const a = Buffer.from(hash(presented), 'hex');
    return timingSafeEqual(a, Buffer.from(hash(s.csrfToken), 'hex'));
  }

  /** Signs a cookie out; true when it was signed in. */
  end(cookie: string): boolean {
    const key = hash(cookie);
    const had = this.sessions.has(key);
    this.drop(key);
    return had;
  }

  /** How long a session lasts without a request. */
  get idleLimitMs(): number {
    return this.idleMs;
  }

  /** Live dashboard sessions. */
  get activeCount(): number {
    this.prune();
    return this.sessions.size;
  }

  private prune(): void {
    const now = this.options.now();
    for (const [key, link] of this.links) {
      if (now - link.expiresAt > REMEMBER_MS) this.links.delete(key);
    }
    for (const [key, s] of this.sessions) {
      if (now - s.lastSeenAt > this.idleMs || now - s.createdAt > this.maxMs) this.drop(key);
    }
  }
}
