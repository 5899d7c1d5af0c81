/**
 * The overview shows system.doctor's checks with their fixes, in Chromium: a daemon with
 * no backup has a WARN `backup` check, and the page shows it with its fix; after a backup
 * the same row turns PASS on the next refresh of the page. Screenshot under
 * test-results/screenshots (not committed).
 */
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { noBrowser, screenshotDir, suiteBrowser } from '../helpers/browser.js';
import {
  seriousViolations,
  signedInPage,
  startDashboardDaemon,
} from '../helpers/dashboard-page.js';
import { cleanupAll, runCli } from '../helpers/daemon.js';

afterEach(cleanupAll);

const TEST_TIMEOUT_MS = 180_000;
const STEP_TIMEOUT_MS = 60_000;

describe.skipIf(noBrowser)(
  "the overview's checks in Chromium",
  { timeout: TEST_TIMEOUT_MS },
  () => {
    const browser = suiteBrowser();

    it("shows a WARN check with its fix, and the daemon's verdict after it changes", async () => {
      const { cli: env, link } = await startDashboardDaemon();
      const { page, problems } = await signedInPage(browser(), STEP_TIMEOUT_MS, await link());
      await page.getByRole('heading', { name: 'Checks' }).waitFor();

      const row = page.locator('table.doctor tr', {
        has: page.getByRole('cell', { name: 'backup', exact: true }),
      });
      await row.waitFor();
      const cells = await row.locator('td').allTextContents();
      expect(cells[0]).toBe('WARN');
      expect(cells[2]).toMatch(/^no backup in .*backups; the backup job is off$/);
      expect(cells[3]).toMatch(/^make one now: aistack backup/);
      // Problems come first; PASS rows have no fix.
      const statuses = await page.locator('table.doctor tbody tr td:first-child').allTextContents();
      expect(statuses.indexOf('PASS')).toBeGreaterThan(statuses.lastIndexOf('WARN'));
      const sqlite = page.locator('table.doctor tr', {
        has: page.getByRole('cell', { name: 'sqlite', exact: true }),
      });
      expect(await sqlite.locator('td').allTextContents()).toEqual([
        'PASS',
        'sqlite',
        expect.stringMatching(/^SQLite 3\.\d+\.\d+/),
        '—',
      ]);
      await page.screenshot({ path: join(screenshotDir(), 'overview-checks.png'), fullPage: true });

      const made = await runCli(['backup'], env);
      expect(made.code, made.stderr).toBe(0);
      await page.reload();
      await expect
        .poll(async () => (await row.locator('td').allTextContents())[0], {
          timeout: STEP_TIMEOUT_MS,
        })
        .toBe('PASS');

      expect(await seriousViolations(page, 'section[aria-labelledby="checks-h"]')).toEqual([]);
      expect(problems).toEqual([]);
    });
  },
);
