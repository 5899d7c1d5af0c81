/**
 * The dashboard's pages in a real browser (Debian's Chromium through playwright-core),
 * signed in through the one-time link: an edit bumps the version and a failed save keeps
 * the text with the daemon's message; delete and ending a session ask first; ending the
 * dashboard's session on the Sessions page takes its entries off the memory page; a refused
 * cross-session read made through the API shows on the audit page; a new token's secret is
 * shown once; a provider key appears nowhere, only its fingerprint. Every page passes axe
 * (no serious or critical violation). Screenshots go to test-results/screenshots.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterEach, describe, expect, it } from 'vitest';
import { noBrowser, screenshotDir, suiteBrowser } from '../helpers/browser.js';
import {
  seriousViolations,
  signedInPage,
  startDashboardDaemon,
} from '../helpers/dashboard-page.js';
import { cleanupAll, runCli } from '../helpers/daemon.js';

afterEach(cleanupAll);

const TEST_TIMEOUT_MS = 240_000;
const STEP_TIMEOUT_MS = 60_000;
const poll = <T>(fn: () => T | Promise<T>) => expect.poll(fn, { timeout: STEP_TIMEOUT_MS });

describe.skipIf(noBrowser)('the dashboard pages in Chromium', { timeout: TEST_TIMEOUT_MS }, () => {
  const browser = suiteBrowser();

  /** A daemon with HTTP on, its CLI environment, and a signed-in page. */
  async function start(config: Record<string, unknown> = {}, env: NodeJS.ProcessEnv = {}) {
    const { cli, link } = await startDashboardDaemon(config, env);
    return { cli, ...(await signedInPage(browser(), STEP_TIMEOUT_MS, await link())) };
  }

  const go = async (page: Page, link: string, heading: string) => {
    await page.getByRole('navigation').getByRole('link', { name: link }).click();
    await page.getByRole('heading', { name: heading, level: 1 }).waitFor();
  };

  /** A CLI session: its id and the environment that makes the CLI act in it. */
  async function cliSession(cli: NodeJS.ProcessEnv) {
    const r = await runCli(['--json', 'session', 'start'], cli);
    expect(r.code, r.stderr).toBe(0);
    const s = (JSON.parse(r.stdout) as { session: { id: string; token: string } }).session;
    return { id: s.id, env: { ...cli, AISTACK_SESSION: `${s.id}:${s.token}` } };
  }

  const shot = (page: Page, name: string) =>
    page.screenshot({ path: join(screenshotDir(), name), fullPage: true });

  it('an edit bumps the version; a failed save keeps the text and says why; delete asks first', async () => {
    const { cli, page, problems } = await start();
    const stored = await runCli(
      ['memory', 'store', 'wal-note', 'the write-ahead log lets readers go on', '-n', 'team'],
      cli,
    );
    expect(stored.code, stored.stderr).toBe(0);
    await go(page, 'Memory', 'Memory');
    await page.getByLabel('Search').fill('write-ahead');
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    const hits = page.locator('.entries li');
    await poll(() => hits.count()).toBe(1);
    await hits.first().getByRole('button').click();
    await page.getByRole('heading', { name: 'team / wal-note' }).waitFor();

    await page.getByRole('button', { name: 'Edit' }).click();
    await page.getByLabel('Content').fill('the WAL, edited in the browser');
    await page.getByLabel('Tags (comma-separated)').fill('docs, edited');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('status').filter({ hasText: 'now version 2' }).waitFor();
    const entry = page.locator('section.entry');
    expect(await entry.textContent()).toMatch(/Version\s*2/);
    expect(await entry.textContent()).toContain('docs, edited');

    // Changed elsewhere while the form is open: the save is refused, the text stays.
    await page.getByRole('button', { name: 'Edit' }).click();
    await page.getByLabel('Content').fill('my careful edit, not to be lost');
    const elsewhere = await runCli(
      ['memory', 'store', 'wal-note', 'changed from the CLI', '-n', 'team'],
      cli,
    );
    expect(elsewhere.code, elsewhere.stderr).toBe(0);
    await page.getByRole('button', { name: 'Save' }).click();
    const alert = page.getByRole('alert');
    await poll(() => alert.textContent()).toContain('version 3');
    expect(await page.getByLabel('Content').inputValue()).toBe('my careful edit, not to be lost');
    await shot(page, 'memory-edit-refused.png');
    expect(await seriousViolations(page)).toEqual([]);
    const cliView = await runCli(['--json', 'memory', 'get', 'wal-note', '-n', 'team'], cli);
    expect(cliView.stdout).toContain('changed from the CLI');

    await page.getByRole('button', { name: 'Cancel' }).click();
    await page.getByRole('button', { name: 'Delete' }).click();
    // Asked first; Cancel leaves it; "Yes, delete" deletes it.
    await page.getByRole('group', { name: 'Delete team / wal-note?' }).waitFor();
    await page.getByRole('button', { name: 'Cancel' }).click();
    await page.getByRole('button', { name: 'Delete' }).click();
    await page.getByRole('button', { name: 'Yes, delete' }).click();
    await page.locator('section.entry').waitFor({ state: 'detached' });
    await poll(() => page.locator('.entries').textContent()).not.toContain('wal-note');
    await poll(() => page.locator('.namespaces').textContent()).not.toContain('team');
    expect(problems).toEqual([]);
  });

  it('ending the dashboard session on the Sessions page takes its entries off the memory page', async () => {
    const { cli, page, problems } = await start();
    await cliSession(cli);
    await go(page, 'Memory', 'Memory');
    await page.getByRole('button', { name: 'New entry' }).click();
    await page.getByLabel('Key').fill('scratch-note');
    await page.getByLabel('Content').fill('only while this dashboard is signed in');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('heading', { name: /^session:.* \/ scratch-note$/ }).waitFor();
    await poll(() => page.locator('.entries').textContent()).toContain('scratch-note');
    await poll(() => page.locator('.namespaces').textContent()).toContain('session:');
    await shot(page, 'memory.png');
    expect(await seriousViolations(page)).toEqual([]);

    await go(page, 'Sessions', 'Sessions');
    const rows = page.locator('tbody tr');
    await poll(() => rows.count()).toBe(2);
    const mine = rows.filter({ hasText: 'dashboard' });
    expect(await mine.textContent()).toMatch(/dashboard.*1/);
    expect(await rows.filter({ hasText: 'aistack-cli' }).count()).toBe(1);
    await shot(page, 'sessions.png');
    expect(await seriousViolations(page)).toEqual([]);
    await mine.getByRole('button', { name: 'End' }).click();
    await mine.getByRole('button', { name: 'Yes, end' }).click();
    await page.getByRole('status').filter({ hasText: '1 entries deleted' }).waitFor();
    await poll(() => rows.count()).toBe(1);

    await go(page, 'Memory', 'Memory');
    await page.getByRole('heading', { name: /^Newest entries/ }).waitFor();
    await poll(() => page.locator('#entries-h').textContent()).toContain('(0)');
    expect(await page.locator('.entries').textContent()).not.toContain('scratch-note');
    expect(await page.locator('.namespaces').textContent()).not.toContain('session:');
    expect(problems).toEqual([]);
  });

  it('a refused cross-session read made through the API shows on the audit page', async () => {
    const { cli, page, problems } = await start();
    const a = await cliSession(cli);
    const b = await cliSession(cli);
    const kept = await runCli(['memory', 'store', 'plan', 'private to a'], a.env);
    expect(kept.code, kept.stderr).toBe(0);
    const refused = await runCli(['memory', 'get', 'plan', '-n', `session:${a.id}`], b.env);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('access denied');

    await go(page, 'Audit', 'Audit');
    await poll(() => page.locator('section').first().textContent()).toContain('Intact');
    await page.getByLabel('Event type (prefix)').fill('access.denied');
    await page.getByRole('button', { name: 'Filter' }).click();
    const rows = page.locator('table.audit tbody tr');
    await poll(() => rows.count()).toBe(1);
    const row = (await rows.first().textContent())!;
    expect(row).toContain('access.denied');
    expect(row).toContain(`session:${a.id}`);
    expect(row).toContain(b.id);
    // By session: b's start and its refusal, nothing of a's.
    await page.getByLabel('Event type (prefix)').fill('');
    await page.getByLabel('Session id').fill(b.id);
    await page.getByRole('button', { name: 'Filter' }).click();
    await poll(async () =>
      (await rows.allTextContents()).map((t) => /session\.start|access\.denied/.exec(t)?.[0]),
    ).toEqual(['access.denied', 'session.start']);
    await shot(page, 'audit.png');
    expect(await seriousViolations(page)).toEqual([]);
    expect(problems).toEqual([]);
  });

  it('a new token is shown once with a copy button; revoke asks first; provider keys only by fingerprint', async () => {
    const key = `sk-ant-api03-${randomBytes(24).toString('base64url')}`;
    const { page, problems, base } = await start(
      {
        providers: {
          anthropic: {
            apiKey: '${ANTHROPIC_API_KEY}',
            baseURL: 'http://127.0.0.1:9',
            maxRetries: 0,
          },
        },
      },
      { ANTHROPIC_API_KEY: key },
    );
    const replies: string[] = [];
    page.on('response', (r) => {
      if (r.url().includes('/dashboard/'))
        void r.text().then(
          (t) => replies.push(t),
          () => {},
        );
    });
    await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: base });
    await go(page, 'Tokens & plugins', 'Tokens, plugins and providers');
    await page.getByText('No scoped tokens yet.').waitFor();
    await page.getByLabel('Token name').fill('ci-bot');
    await page.getByRole('checkbox', { name: /memory:write/ }).check();
    await page.getByRole('button', { name: 'Create token' }).click();
    const secret = (await page.locator('code.token').textContent())!;
    expect(secret.length).toBeGreaterThan(20);
    await page.getByRole('button', { name: 'Copy' }).click();
    await page.getByRole('button', { name: 'Copied' }).waitFor();
    expect(
      await page.evaluate(() =>
        (
          globalThis as unknown as { navigator: { clipboard: { readText(): Promise<string> } } }
        ).navigator.clipboard.readText(),
      ),
    ).toBe(secret);
    await page.getByRole('button', { name: 'Done' }).click();
    const row = page.locator('tbody tr').filter({ hasText: 'ci-bot' });
    expect(await row.textContent()).toContain('memory:read, memory:write');
    expect(await page.content()).not.toContain(secret);
    await page.reload();
    await page.getByRole('heading', { name: 'Tokens, plugins and providers' }).waitFor();
    await row.waitFor();
    expect(await page.content()).not.toContain(secret);

    const providers = page.getByRole('region', { name: 'Providers' });
    await poll(() => providers.textContent()).toContain('anthropic');
    const fingerprint = /[0-9a-f]{12}/.exec((await providers.locator('code').textContent())!)?.[0];
    expect(fingerprint).toBeDefined();
    await shot(page, 'access.png');
    expect(await seriousViolations(page)).toEqual([]);

    await row.getByRole('button', { name: 'Revoke' }).click();
    await row.getByRole('button', { name: 'Yes, revoke' }).click();
    await poll(() => row.textContent()).toContain('revoked');
    // The provider key is in no page and in no reply the browser got.
    await poll(() => replies.some((t) => t.includes(fingerprint!))).toBe(true);
    expect(await page.content()).not.toContain(key);
    expect(replies.filter((t) => t.includes(key))).toEqual([]);
    expect(problems).toEqual([]);
  });
});
