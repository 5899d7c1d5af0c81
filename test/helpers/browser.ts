/**
 * A real browser for the dashboard tests: Debian's Chromium driven by playwright-core
 * (Playwright's own browser download cannot work on these machines). The binary is
 * CHROMIUM_PATH, else `chromium` or `chromium-browser` on PATH. Without one, the browser
 * tests are skipped on a developer's machine, with one line saying how to get one, and
 * FAIL under CI=true, where .ci/run installs it.
 */
import { accessSync, constants, mkdirSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import { ROOT } from './daemon.js';

const HOW_TO_GET_ONE =
  'install Chromium (apt-get install chromium) or set CHROMIUM_PATH to a Chromium binary';

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The Chromium binary to drive, or undefined when there is none. */
export function findChromium(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.CHROMIUM_PATH) return executable(env.CHROMIUM_PATH) ? env.CHROMIUM_PATH : undefined;
  for (const dir of (env.PATH ?? '').split(delimiter).filter(Boolean)) {
    for (const name of ['chromium', 'chromium-browser']) {
      if (executable(join(dir, name))) return join(dir, name);
    }
  }
  return undefined;
}

const found = findChromium();
const inCi = process.env.CI === 'true';

/** True when the browser tests should be skipped (no browser, not CI); says so once. */
export const noBrowser = !found && !inCi;
if (noBrowser) {
  console.warn(`browser tests skipped: no Chromium found; ${HOW_TO_GET_ONE}`);
}

/** Launches the browser headless; under CI without one, fails saying what is missing. */
export async function launchBrowser(): Promise<Browser> {
  if (!found) {
    throw new Error(
      `CI=true but no Chromium was found (CHROMIUM_PATH, chromium, chromium-browser on PATH): ${HOW_TO_GET_ONE}; .ci/run installs it`,
    );
  }
  return chromium.launch({
    executablePath: found,
    headless: true,
    // Root in a container has no user namespaces for Chromium's sandbox.
    args: process.getuid?.() === 0 ? ['--no-sandbox'] : [],
    timeout: 60_000,
  });
}

/**
 * One browser for the tests of the describe block this is called in: launched before the
 * first, closed after the last. Returns its getter.
 */
export function suiteBrowser(): () => Browser {
  let browser: Browser | undefined;
  beforeAll(async () => {
    browser = await launchBrowser();
  }, 90_000);
  afterAll(async () => {
    await browser?.close();
  });
  return () => browser!;
}

/** Where screenshots go: test-results/screenshots (ignored by git). */
export function screenshotDir(): string {
  const dir = join(ROOT, 'test-results', 'screenshots');
  mkdirSync(dir, { recursive: true });
  return dir;
}
