/**
 * The dashboard in a real browser (Debian's Chromium through playwright-core), signed in
 * through the one-time link that `aistack dashboard --print-url` prints for a spawned
 * daemon with HTTP on: the overview renders with its plots drawn, nothing breaks the CSP,
 * axe finds no serious or critical accessibility violation, requests without the cookie or
 * with a wrong CSRF token are refused, and a used or expired link shows its page.
 * Screenshots go to test-results/screenshots (not committed).
 */
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { noBrowser, screenshotDir, suiteBrowser } from '../helpers/browser.js';
import {
  newDashboardPage,
  seriousViolations,
  signedInPage,
  startDashboardDaemon as start,
} from '../helpers/dashboard-page.js';
import { cleanupAll, runCli } from '../helpers/daemon.js';
import { waitFor } from '../helpers/wait.js';

afterEach(cleanupAll);

/** A browser, a daemon and a CLI each on a shared two-core machine: generous margins. */
const TEST_TIMEOUT_MS = 180_000;
const STEP_TIMEOUT_MS = 60_000;
const poll = <T>(fn: () => T | Promise<T>) => expect.poll(fn, { timeout: STEP_TIMEOUT_MS });

/** The little of a canvas element the page-side check reads (the tests compile without the DOM types). */
interface Canvas {
  width: number;
  height: number;
  getContext(kind: '2d'): {
    getImageData(x: number, y: number, w: number, h: number): { data: ArrayLike<number> };
  };
}

describe.skipIf(noBrowser)('the dashboard in Chromium', { timeout: TEST_TIMEOUT_MS }, () => {
  const browser = suiteBrowser();
  /** A page that fails the test on any console error (a CSP violation logs one). */
  const newPage = () => newDashboardPage(browser(), STEP_TIMEOUT_MS);
  /** A page signed in through `link`, showing the overview. */
  const signIn = (link: string) => signedInPage(browser(), STEP_TIMEOUT_MS, link);

  it('signs in through the link and draws the overview with its plots', async () => {
    const { cli: env, link } = await start();
    // Some traffic for the plots: requests, an error, refused bearer tokens.
    for (let i = 0; i < 3; i++) await runCli(['status'], env);
    await runCli(['memory', 'get', 'nothing-here'], env);
    const url = await link();
    const base = new URL(url).origin;
    for (let i = 0; i < 2; i++)
      await fetch(`${base}/api/v1/status`, { headers: { authorization: 'Bearer nope' } });

    const { page, problems } = await signIn(url);
    await page.waitForURL(`${base}/dashboard/`, { timeout: STEP_TIMEOUT_MS });
    await page
      .getByRole('heading', { name: 'Traffic, last hour' })
      .waitFor({ timeout: STEP_TIMEOUT_MS });
    const canvases = page.locator('.plot canvas');
    await waitFor(async () => (await canvases.count()) === 2, 'two plots', {
      timeoutMs: STEP_TIMEOUT_MS,
    });
    // Each canvas has pixels drawn on it (axes, grid, lines), not a blank box.
    const drawn = await canvases.evaluateAll((els) =>
      (els as unknown as Canvas[]).map((c) => {
        const data = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        // Pixels of any colour, and of the first line's colours: requests, authentication refusals.
        let painted = 0;
        let line = 0;
        for (let i = 0; i < data.length; i += 4) {
          if (data[i + 3]! === 0) continue;
          painted++;
          const [r, g, b] = [data[i]!, data[i + 1]!, data[i + 2]!];
          if ((r === 10 && g === 88 && b === 202) || (r === 180 && g === 35 && b === 24)) line++;
        }
        return { width: c.width, height: c.height, painted, line };
      }),
    );
    for (const c of drawn) {
      expect(c.width).toBeGreaterThan(200);
      expect(c.painted).toBeGreaterThan(1000);
      expect(c.line).toBeGreaterThan(10);
    }
    // The refusals plot has a line for the refused bearer tokens.
    await expect
      .poll(() => page.locator('.u-legend').last().textContent())
      .toContain('authentication');
    await poll(() => page.locator('dl.cards').textContent()).toContain('Uptime');
    expect(await page.locator('main').textContent()).toContain('sessions.cleanup');
    await page.screenshot({ path: join(screenshotDir(), 'overview.png'), fullPage: true });

    expect(await seriousViolations(page)).toEqual([]);
    expect(problems).toEqual([]);
  });

  it('the memory page lists namespaces, finds an entry with its snippet and shows it whole', async () => {
    const { cli: env, link } = await start();
    for (const [key, text, ns] of [
      ['wal-note', 'the write-ahead log lets readers go on while one writer commits', 'team'],
      ['lunch', 'soup on tuesdays', 'team'],
      ['other', 'nothing about logs here', 'default'],
    ] as const) {
      const r = await runCli(['memory', 'store', key, text, '-n', ns, '-t', 'docs,wal'], env);
      expect(r.code, r.stderr).toBe(0);
    }
    const { page, problems } = await signIn(await link());
    await page.getByRole('link', { name: 'Memory' }).click();
    await page.getByRole('heading', { name: 'Namespaces' }).waitFor();
    await poll(() => page.locator('.namespaces').textContent()).toContain('team 2');

    await page.locator('.namespaces').getByRole('button', { name: /^team/ }).click();
    await poll(() => page.locator('#entries-h').textContent()).toContain('in team (2)');
    await page.getByLabel('Search in team').fill('write-ahead');
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    await poll(() => page.locator('#entries-h').textContent()).toContain('Results for');
    const hits = page.locator('.entries li');
    await poll(() => hits.count()).toBe(1);
    expect(await hits.first().locator('mark').first().textContent()).toMatch(/write/i);

    await hits.first().getByRole('button').click();
    await page.getByRole('heading', { name: 'team / wal-note' }).waitFor();
    const entry = (await page.locator('section.entry').textContent())!;
    expect(entry).toContain('lets readers go on while one writer commits');
    expect(entry).toContain('docs, wal');
    expect(entry).toMatch(/Version\s*1/);
    await page.screenshot({ path: join(screenshotDir(), 'memory.png'), fullPage: true });

    expect(await seriousViolations(page)).toEqual([]);
    expect(problems).toEqual([]);
  });

  it('refuses requests without the cookie or with a wrong CSRF token', async () => {
    const { link } = await start();
    const { page, base } = await signIn(await link());
    const statuses = await page.evaluate(async () => {
      const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'session.list', params: {} });
      const post = (headers: Record<string, string>, credentials: 'same-origin' | 'omit') =>
        fetch('/dashboard/api/rpc', {
          method: 'POST',
          credentials,
          headers: { 'content-type': 'application/json', ...headers },
          body,
        }).then((r) => r.status);
      const { csrfToken } = (await (await fetch('/dashboard/api/session')).json()) as {
        csrfToken: string;
      };
      return {
        right: await post({ 'x-csrf-token': csrfToken }, 'same-origin'),
        wrongCsrf: await post({ 'x-csrf-token': 'guessed' }, 'same-origin'),
        noCsrf: await post({}, 'same-origin'),
        noCookie: await post({ 'x-csrf-token': csrfToken }, 'omit'),
      };
    });
    expect(statuses).toEqual({ right: 200, wrongCsrf: 403, noCsrf: 403, noCookie: 401 });

    // Another browser (no cookie) is not signed in.
    const other = await newPage();
    const res = await other.page.goto(`${base}/dashboard/`);
    expect(res!.status()).toBe(401);
    await other.page.getByRole('heading', { name: 'Not signed in' }).waitFor();
    await other.page.screenshot({ path: join(screenshotDir(), 'not-signed-in.png') });
  });

  it('a used or expired link shows a page that says how to get a new one', async () => {
    const { link } = await start();
    const url = await link();
    await signIn(url);

    const second = await newPage();
    const reused = await second.page.goto(url);
    expect(reused!.status()).toBe(410);
    await second.page
      .getByRole('heading', { name: 'This sign-in link was already used' })
      .waitFor();
    expect(await second.page.textContent('body')).toContain('aistack dashboard');
    await second.page.screenshot({ path: join(screenshotDir(), 'link-used.png') });

    const short = await link(1);
    const startedAt = Date.now();
    await waitFor(() => Date.now() - startedAt > 1_100, 'the one-second link to expire', {
      timeoutMs: 10_000,
      intervalMs: 50,
    });
    const expired = await second.page.goto(short);
    expect(expired!.status()).toBe(410);
    await second.page.getByRole('heading', { name: 'This sign-in link has expired' }).waitFor();
    expect(await second.page.context().cookies()).toEqual([]);
    await second.page.screenshot({ path: join(screenshotDir(), 'link-expired.png') });
    expect(second.problems.filter((p) => !p.includes('410'))).toEqual([]);
  });
});
