/**
 * The overview shows system.doctor's checks with their fixes, in Chromium: a daemon with
 * no backup has a WARN `backup` check, and the page shows it with its fix; after a backup
 * the same row turns PASS on the next refresh of the page. Screenshot under
 * test-results/screenshots (not committed).
 */
import { AxeBuilder } from '@axe-core/playwright';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, noBrowser, screenshotDir } from '../helpers/browser.js';
import {
  cleanupAll,
  cliEnv,
  runCli,
  spawnDaemon,
  tempDir,
  writeConfig,
} from '../helpers/daemon.js';

afterEach(cleanupAll);

const TEST_TIMEOUT_MS = 180_000;
const STEP_TIMEOUT_MS = 60_000;

describe.skipIf(noBrowser)(
  "the overview's checks in Chromium",
  { timeout: TEST_TIMEOUT_MS },
  () => {
    let browser: Browser;
    beforeAll(async () => {
      browser = await launchBrowser();
    }, 90_000);
    afterAll(async () => {
      await browser?.close();
    });

    it("shows a WARN check with its fix, and the daemon's verdict after it changes", async () => {
      const dir = tempDir();
      const config = writeConfig(dir, { http: { enabled: true, port: 0 } });
      await spawnDaemon(dir, ['--config', config]);
      const env = cliEnv(dir);
      const linked = await runCli(['dashboard', '--print-url'], env);
      expect(linked.code, linked.stderr).toBe(0);

      const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
      context.setDefaultTimeout(STEP_TIMEOUT_MS);
      const page = await context.newPage();
      const problems: string[] = [];
      page.on('console', (m) => m.type() === 'error' && problems.push(m.text()));
      page.on('pageerror', (e) => problems.push(e.message));
      await page.goto(linked.stdout.trim());
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

      const axe = await new AxeBuilder({ page })
        .include('section[aria-labelledby="checks-h"]')
        .analyze();
      const serious = axe.violations.filter(
        (v) => v.impact === 'serious' || v.impact === 'critical',
      );
      expect(serious.map((v) => `${v.id}: ${v.help}`)).toEqual([]);
      expect(problems).toEqual([]);
    });
  },
);
