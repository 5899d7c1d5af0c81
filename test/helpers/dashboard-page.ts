/**
 * A browser page for the dashboard tests that records every console error (a CSP
 * violation logs one), page error and third-party request, and the axe check every page
 * of the dashboard must pass (no serious or critical violation).
 */
import { AxeBuilder } from '@axe-core/playwright';
import type { Browser, Page } from 'playwright-core';

/** A page on a fresh context (no cookies); `problems` collects what must not happen. */
export async function newDashboardPage(
  browser: Browser,
  stepTimeoutMs: number,
): Promise<{ page: Page; problems: string[] }> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  context.setDefaultTimeout(stepTimeoutMs);
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('console', (m) => m.type() === 'error' && problems.push(m.text()));
  page.on('pageerror', (e) => problems.push(e.message));
  const origin = (url: string) => new URL(url).origin;
  page.on('request', (r) => {
    if (origin(r.url()) !== origin(page.url() === 'about:blank' ? r.url() : page.url())) {
      problems.push(`third-party request: ${r.url()}`);
    }
  });
  return { page, problems };
}

/** The serious and critical axe violations on the page as it is now, one line each. */
export async function seriousViolations(page: Page): Promise<string[]> {
  const axe = await new AxeBuilder({ page }).analyze();
  return axe.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`);
}
