#!/usr/bin/env node
/**
 * Runs the MCP conformance suite's server scenarios (@modelcontextprotocol/conformance)
 * against the daemon's /mcp. Not part of `npm test`: the suite is installed on demand
 * and needs Node 22 or newer, while the daemon runs on the Node that runs this script.
 *
 *   npm run build
 *   npm install --prefix /tmp/mcpconf @modelcontextprotocol/conformance
 *   CONFORMANCE=/tmp/mcpconf/node_modules/@modelcontextprotocol/conformance/dist/index.js \
 *   NODE22=~/.cache/aistack-ci/node-24/bin/node node scripts/mcp-conformance.mjs [scenario…]
 *
 * The suite sends no bearer token, and every route of the front door needs one, so the
 * suite talks to a small local relay that adds the owner token of the throwaway daemon
 * and passes everything else on as it came: a Host or Origin that names the relay by a
 * loopback name is rewritten to the same name on the daemon's port (the relay stands in
 * for it); any other (the DNS-rebinding scenario's evil ones) goes through untouched, so
 * the daemon's own guard answers it.
 */
/* global fetch */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CONFORMANCE = process.env.CONFORMANCE;
const NODE22 = process.env.NODE22 ?? process.execPath;
if (!CONFORMANCE) {
  console.error("set CONFORMANCE to the suite's dist/index.js (see the header of this script)");
  process.exit(2);
}

/** The scenarios a memory server can be held to; the rest test fixtures it has no reason to have. */
const DEFAULT_SCENARIOS = [
  'server-initialize',
  'ping',
  'tools-list',
  'tools-call-error',
  'server-sse-multiple-streams',
  'dns-rebinding-protection',
];
const scenarios = process.argv.slice(2).length ? process.argv.slice(2) : DEFAULT_SCENARIOS;

const freePort = () =>
  new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });

const dir = mkdtempSync(join(tmpdir(), 'aistack-conformance-'));
const daemonPort = await freePort();
const config = join(dir, 'aistack.config.json');
writeFileSync(
  config,
  JSON.stringify({ http: { enabled: true, port: daemonPort, rateLimit: { max: 100000 } } }),
  { mode: 0o600 },
);
const daemon = spawn(
  process.execPath,
  [
    join(ROOT, 'dist/bin/aistackd.js'),
    '--socket',
    join(dir, 'run/aistack.sock'),
    '--data-dir',
    join(dir, 'data'),
    '--config',
    config,
    '--log-file',
    join(dir, 'aistackd.log'),
  ],
  { stdio: ['ignore', 'ignore', 'inherit'] },
);

let relay;
const stop = () => {
  relay?.close();
  daemon.kill('SIGTERM');
};
try {
  let token;
  for (let i = 0; i < 200 && !token; i++) {
    await new Promise((r) => setTimeout(r, 100));
    try {
      const probe = await fetch(`http://127.0.0.1:${daemonPort}/mcp`, { method: 'GET' });
      if (probe.status === 401) token = readFileSync(join(dir, 'data/owner.token'), 'utf8').trim();
    } catch {
      // not listening yet
    }
  }
  if (!token) throw new Error('the daemon did not start (see its log in ' + dir + ')');

  const relayPort = await freePort();
  // The relay's own loopback names stand for the daemon's: the same name, its port.
  const LOOPBACK = ['127.0.0.1', 'localhost', '[::1]'];
  const toDaemon = (value, prefix = '') => {
    for (const name of LOOPBACK)
      if (value === `${prefix}${name}:${relayPort}`) return `${prefix}${name}:${daemonPort}`;
    return value;
  };
  relay = createServer((req, res) => {
    const headers = { ...req.headers, authorization: `Bearer ${token}` };
    if (headers.host) headers.host = toDaemon(headers.host);
    if (headers.origin) headers.origin = toDaemon(headers.origin, 'http://');
    const out = request(
      { host: '127.0.0.1', port: daemonPort, method: req.method, path: req.url, headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    out.on('error', () => res.destroy());
    req.pipe(out);
  }).listen(relayPort, '127.0.0.1');

  const results = [];
  for (const scenario of scenarios) {
    // Asynchronously: the relay runs in this process and must keep serving meanwhile.
    const child = spawn(
      NODE22,
      [CONFORMANCE, 'server', '--url', `http://127.0.0.1:${relayPort}/mcp`, '--scenario', scenario],
      { stdio: ['ignore', 'pipe', 'pipe'], timeout: 120_000 },
    );
    let text = '';
    child.stdout.on('data', (c) => (text += c));
    child.stderr.on('data', (c) => (text += c));
    const run = { status: await new Promise((r) => child.once('close', (code) => r(code))) };
    results.push({ scenario, ok: run.status === 0 });
    process.stdout.write(`\n=== ${scenario}: ${run.status === 0 ? 'PASS' : 'FAIL'}\n${text}`);
  }
  console.log('\nSummary:');
  for (const r of results) console.log(`  ${r.ok ? 'PASS' : 'FAIL'}  ${r.scenario}`);
  process.exitCode = results.every((r) => r.ok) ? 0 : 1;
} finally {
  stop();
  await new Promise((r) => daemon.once('exit', r));
  rmSync(dir, { recursive: true, force: true });
}
