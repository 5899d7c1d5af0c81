#!/usr/bin/env node
/**
 * Measures the dashboard's memory page with many entries in the store (not part of
 * `npm test`): starts a daemon with HTTP on in a temp dir, loads N entries (default
 * 100,000, in 20 namespaces, the bench's corpus) through memory.import, signs a real
 * Chromium in through the one-time link, then loads /dashboard/#/memory afresh three
 * times and reports, for each and as the median, the time from navigation until the
 * namespace list (with its counts) and the first page of entries are on screen; also
 * the daemon's own time for the two calls the page makes.
 *
 *   npm run build && node scripts/dash-load.mjs [--entries 100000] [--chromium /usr/bin/chromium]
 */
/* global document -- the waitForFunction callback runs in the page */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';
import { AistackClient } from '../dist/clients/client.js';
import { Corpus } from '../dist/bench/corpus.js';
import { startDaemon } from '../dist/bench/servers.js';

const { values: args } = parseArgs({
  options: {
    entries: { type: 'string', default: '100000' },
    chromium: { type: 'string', default: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium' },
    runs: { type: 'string', default: '3' },
  },
});
const N = Number(args.entries);
const RUNS = Number(args.runs);
const NAMESPACES = 20;
const say = (s) => process.stderr.write(`${s}\n`);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const dir = mkdtempSync(join(tmpdir(), 'aistack-dash-'));
let daemon;
let browser;
try {
  daemon = await startDaemon(dir, { config: { http: { enabled: true, port: 0 } } });
  const client = await AistackClient.connect(daemon.socket, { token: daemon.token });

  const corpus = new Corpus(42);
  const at = new Date('2026-01-01T00:00:00Z').getTime();
  say(`loading ${N} entries (memory.import, batches of 2000)…`);
  let t0 = performance.now();
  for (let i = 0; i < N; i += 2000) {
    const entries = [];
    for (let j = i; j < Math.min(N, i + 2000); j++) {
      const time = new Date(at + j * 1000).toISOString();
      entries.push({
        id: `00000000-0000-7000-8000-${String(j).padStart(12, '0')}`,
        key: `entry-${j}`,
        namespace: `ns-${String(j % NAMESPACES).padStart(2, '0')}`,
        content: corpus.text(),
        metadata: { n: j },
        tags: [`t${j % 7}`],
        agentId: null,
        sessionId: null,
        createdAt: time,
        updatedAt: time,
        version: 1,
      });
    }
    await client.call('memory.import', { entries });
  }
  say(`loaded in ${Math.round(performance.now() - t0)} ms`);

  // The daemon's own time for the page's two calls (as the owner, over the socket).
  const callMs = async (method, params) => {
    const s = performance.now();
    await client.call(method, params);
    return performance.now() - s;
  };
  const server = { namespaces: [], list: [] };
  for (let r = 0; r < RUNS; r++) {
    server.namespaces.push(await callMs('memory.namespaces', {}));
    server.list.push(await callMs('memory.list', { limit: 50 }));
  }

  const { url } = await client.call('dashboard.link', {});
  const base = new URL(url).origin;
  browser = await chromium.launch({
    executablePath: args.chromium,
    headless: true,
    args: process.getuid?.() === 0 ? ['--no-sandbox'] : [],
  });
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  context.setDefaultTimeout(120_000);
  const page = await context.newPage();
  await page.goto(url);
  await page.waitForURL(`${base}/dashboard/`);

  const runs = [];
  for (let r = 0; r < RUNS; r++) {
    await page.goto('about:blank');
    t0 = performance.now();
    await page.goto(`${base}/dashboard/#/memory`);
    await page.waitForFunction(
      ([ns]) =>
        document.querySelectorAll('.namespaces li').length === ns + 1 &&
        document.querySelectorAll('.entries li').length === 50 &&
        /\(\d+\)/.test(document.querySelector('#entries-h')?.textContent ?? ''),
      [NAMESPACES],
      { polling: 'raf' },
    );
    runs.push(performance.now() - t0);
    const heading = await page.textContent('#entries-h');
    say(`run ${r + 1}: ${Math.round(runs[r])} ms (${heading})`);
  }
  const report = {
    entries: N,
    namespaces: NAMESPACES,
    pageLoadMs: runs.map(Math.round),
    pageLoadMedianMs: Math.round(median(runs)),
    daemonMs: {
      'memory.namespaces': Math.round(median(server.namespaces) * 10) / 10,
      'memory.list (limit 50)': Math.round(median(server.list) * 10) / 10,
    },
  };
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  client.close?.();
} finally {
  await browser?.close();
  await daemon?.stop();
  rmSync(dir, { recursive: true, force: true });
}
