/** Dashboard sign-in links and sessions, on a test clock: once, in time, hashed, bounded. */
import { describe, expect, it } from 'vitest';
import { DashboardLogins } from '../../src/services/access/dashboard-logins.js';

function logins() {
  let now = 1_000_000;
  const l = new DashboardLogins({ now: () => now, sessionIdleMs: 1000, sessionMaxMs: 5000 });
  return { l, advance: (ms: number) => (now += ms) };
}

describe('DashboardLogins', () => {
  it('a link signs in once, within its time', () => {
    const { l, advance } = logins();
    const { token } = l.createLink(60_000);
    advance(59_000);
    const first = l.redeem(token);
    expect(first.ok).toBe(true);
    expect(l.redeem(token)).toEqual({ ok: false, reason: 'used' });
    const late = l.createLink(1000);
    advance(1001);
    expect(l.redeem(late.token)).toEqual({ ok: false, reason: 'expired' });
    // An expired link is spent too: it never works afterwards.
    expect(l.redeem(late.token)).toEqual({ ok: false, reason: 'used' });
    expect(l.redeem('guessed')).toEqual({ ok: false, reason: 'unknown' });
  });

  it('a session ends when idle or too old, and its CSRF token is its own', () => {
    const { l, advance } = logins();
    const a = l.redeem(l.createLink(1000).token);
    const b = l.redeem(l.createLink(1000).token);
    if (!a.ok || !b.ok) throw new Error('sign-in failed');
    expect(l.session(a.cookie)?.id).toBe(a.session.id);
    expect(l.csrfMatches(a.session, a.session.csrfToken)).toBe(true);
    expect(l.csrfMatches(a.session, b.session.csrfToken)).toBe(false);
    expect(l.csrfMatches(a.session, undefined)).toBe(false);
    expect(l.csrfMatches(a.session, '')).toBe(false);
    // Kept alive by use, a session still ends at its maximum age.
    for (let i = 0; i < 5; i++) {
      advance(900);
      expect(l.session(a.cookie)).toBeDefined();
    }
    advance(900);
    expect(l.session(a.cookie)).toBeUndefined();
    // Left idle, b ended long ago.
    expect(l.session(b.cookie)).toBeUndefined();
    expect(l.activeCount).toBe(0);
  });

  it('signing out ends the session; unknown cookies are nobody', () => {
    const { l } = logins();
    const a = l.redeem(l.createLink(1000).token);
    if (!a.ok) throw new Error('sign-in failed');
    expect(l.end(a.cookie)).toBe(true);
    expect(l.session(a.cookie)).toBeUndefined();
    expect(l.session('forged')).toBeUndefined();
    expect(l.end('forged')).toBe(false);
  });

  it('keeps a bounded number of pending links and sessions', () => {
    const { l } = logins();
    const links = Array.from({ length: 150 }, () => l.createLink(60_000).token);
    // The oldest links were dropped; the newest still work.
    expect(l.redeem(links[0]!).ok).toBe(false);
    expect(l.redeem(links[149]!).ok).toBe(true);
    for (let i = 100; i < 149; i++) l.redeem(links[i]!);
    for (let i = 0; i < 60; i++) l.redeem(l.createLink(60_000).token);
    expect(l.activeCount).toBeLessThanOrEqual(50);
  });

  it('tells its listeners of every session that ends: signed out, expired or pushed out', () => {
    const { l, advance } = logins();
    const ended: string[] = [];
    const stop = l.onEnd((s) => ended.push(s.id));
    const signIn = () => {
      const r = l.redeem(l.createLink(60_000).token);
      if (!r.ok) throw new Error('sign-in failed');
      return r;
    };
    const a = signIn();
    l.end(a.cookie);
    l.end(a.cookie);
    expect(ended).toEqual([a.session.id]);
    const b = signIn();
    advance(24 * 60 * 60 * 1000);
    expect(l.session(b.cookie)).toBeUndefined();
    expect(ended).toEqual([a.session.id, b.session.id]);
    const many = Array.from({ length: 51 }, signIn);
    expect(ended).toContain(many[0]!.session.id);
    stop();
    l.end(many[50]!.cookie);
    expect(ended).not.toContain(many[50]!.session.id);
  });
});
