/**
 * What the dashboard's browser tests share: a spawned daemon with HTTP on and its sign-in
 * links, a browser page that records every console error (a CSP violation logs one), page
 * error and third-party request, that page signed in through a link, and the axe check
 * every page of the dashboard must pass (no serious or critical violation).
 */
import { AxeBuilder } from '@axe-core/playwright';
import type { Browser, Page } from 'playwright-core';
import { expect } from 'vitest';
import { cliEnv, runCli, spawnDaemon, tempDir, writeConfig, type ChildDaemon } from './daemon.js';

export interface DashboardDaemon {
  d: ChildDaemon;
  dir: string;
  /** The environment that points the CLI at this daemon. */
  cli: NodeJS.ProcessEnv;
  /** A fresh one-time sign-in link (`aistack dashboard --print-url`), valid `ttl` seconds. */
  link: (ttl?: number) => Promise<string>;
}

/** A daemon spawned in a temp dir with HTTP on (on any port), `config` and `env` added. */
export async function startDashboardDaemon(
  config: Record<string, unknown> = {},
  env: NodeJS.ProcessEnv = {},
): Promise<DashboardDaemon> {
  const dir = tempDir();
  const path = writeConfig(dir, { http: { enabled: true, port: 0 }, ...config });
  const d = await spawnDaemon(dir, ['--config', path], env);
  const cli = cliEnv(dir);
  const link = async (ttl = 60) => {
    const r = await runCli(['dashboard', '--print-url', '--ttl', String(ttl)], cli);
    expect(r.code, r.stderr).toBe(0);
    return r.stdout.trim();
  };
  return { d, dir, cli, link };
}

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

/**
 * The serious and critical axe violations on the page as it is now (only within the
 * elements `include` selects, when given), one line each.
 */
export async function seriousViolations(page: Page, include?: string): Promise<string[]> {
  const builder = new AxeBuilder({ page });
  const axe = await (include === undefined ? builder : builder.include(include)).analyze();
  return axe.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`);
}

/** A page (as newDashboardPage) signed in through `link`, once it shows the overview. */
export async function signedInPage(
  browser: Browser,
  stepTimeoutMs: number,
  link: string,
): Promise<{ page: Page; problems: string[]; base: string }> {
  const { page, problems } = await newDashboardPage(browser, stepTimeoutMs);
  await page.goto(link);
  await page.getByRole('heading', { name: 'Overview' }).waitFor();
  return { page, problems, base: new URL(link).origin };
}
