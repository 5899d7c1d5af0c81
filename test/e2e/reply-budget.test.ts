/**
 * Replies with a budget, through a real daemon: lists and searches over large entries
 * answer with previews in replies no longer than daemon.replyBudgetBytes, say when they
 * were cut, and continue from their cursor to the end with nothing lost or repeated;
 * whole contents only for small pages; the daemon's memory stays bounded while many
 * such lists run at once; the CLI and the MCP shim follow or explain the cursors.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AistackClient } from '../../src/clients/client.js';
import {
  cleanupAll,
  connectTo,
  ownerToken,
  runCli,
  spawnDaemon,
  tempDir,
  writeConfig,
  type ChildDaemon,
} from '../helpers/daemon.js';

/**
 * Ranking megabyte entries takes seconds on a busy machine; this file is about reply
 * sizes, so the read time limit (read-pool.test.ts tests it) is kept out of the way.
 */
const SLOW_READS_OK = { queryTimeoutMs: 300_000 };
import { closeAllShims, dataOf, spawnShim, textOf } from '../helpers/mcp.js';
import { rawSocket, type RawSocket } from '../helpers/raw-socket.js';
import { openSession } from '../helpers/session.js';

const BUDGET = 256 * 1024;
const BIG = 40;
const BIG_CHARS = 1_000_000;
const SMALL = 300;

/** The daemon's resident memory in bytes (VmRSS of /proc/<pid>/status). */
function rss(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m![1]) * 1024;
}

/** A big content: mostly ASCII, with 2- and 4-byte characters and escapes, so sizes are not just lengths. */
function bigContent(i: number): string {
  const unit = `entry ${i} walrus é ✓ 🦭 "quoted" \\ tab\t line\n `;
  return unit.repeat(Math.ceil(BIG_CHARS / unit.length)).slice(0, BIG_CHARS - 1) + '.';
}

/** Characters as the store counts them (code points). */
const points = (s: string) => Array.from(s).length;

/** Replies as parsed JSON, typed loosely for assertions (the daemon checks them against the result schemas). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Loose = any;

let dir: string;
let d: ChildDaemon;
let c: AistackClient;
let raw: RawSocket;
let id = 0;

/** Sends one call on the raw socket; the reply line as sent, and parsed. */
async function call(method: string, params: unknown): Promise<{ bytes: number; reply: Loose }> {
  raw.send(JSON.stringify({ jsonrpc: '2.0', id: ++id, method, params }) + '\n');
  const line = await raw.nextLine(60_000);
  return { bytes: Buffer.byteLength(line) + 1, reply: JSON.parse(line) };
}

/** Follows cursors from the first page to the end, checking every reply against the budget. */
async function followList(params: Record<string, unknown>) {
  const keys: string[] = [];
  const pages: Loose[] = [];
  let cursor = params.cursor as string | undefined;
  do {
    const { bytes, reply } = await call('memory.list', { ...params, cursor });
    expect(reply.error).toBeUndefined();
    expect(bytes).toBeLessThanOrEqual(BUDGET);
    pages.push(reply.result);
    keys.push(...reply.result.entries.map((e: { key: string }) => e.key));
    cursor = reply.result.cursor ?? undefined;
  } while (cursor !== undefined && pages.length < 200);
  return { keys, pages };
}

beforeAll(async () => {
  dir = tempDir();
  const config = writeConfig(dir, { daemon: { replyBudgetBytes: BUDGET, ...SLOW_READS_OK } });
  d = await spawnDaemon(dir, ['--config', config]);
  c = await connectTo(d, { timeoutMs: 120_000 });
  const s = await openSession(c);
  const metadata = { note: 'm'.repeat(8000) };
  for (let i = 0; i < BIG; i++) {
    await c.call('memory.store', {
      key: `big-${String(i).padStart(2, '0')}`,
      namespace: 'big',
      content: bigContent(i),
      metadata,
      ...s.creds,
    });
  }
  for (let i = 0; i < SMALL; i++) {
    await c.call('memory.store', {
      key: `small-${i}`,
      namespace: 'small',
      content: `small entry ${i} walrus `.repeat(60),
      ...s.creds,
    });
  }
  raw = await rawSocket(d.socketPath, ownerToken(d));
}, 300_000);

afterAll(async () => {
  raw?.close();
  c?.close();
  await closeAllShims();
  await cleanupAll();
});

const bigKeys = Array.from({ length: BIG }, (_, i) => `big-${String(i).padStart(2, '0')}`);

describe('replies with a budget', () => {
  it('a list over large entries stays within the budget, says it was cut, and its cursor reaches every entry once', async () => {
    const { keys, pages } = await followList({ namespace: 'big', limit: 1000 });
    expect(pages[0].truncated).toBe(true);
    expect(pages[0].total).toBe(BIG);
    expect(pages.length).toBeGreaterThan(1);
    expect(keys).toEqual([...bigKeys].reverse()); // newest first, each once
    const first = pages[0].entries[0];
    expect(first.preview).toBe(
      Array.from(bigContent(BIG - 1))
        .slice(0, 200)
        .join(''),
    );
    expect(first).toMatchObject({ size: points(bigContent(BIG - 1)), cut: true });
    expect(first).not.toHaveProperty('content');
    expect(pages.at(-1).cursor).toBeNull();
  });

  it('a write between pages neither repeats nor loses an entry it did not touch', async () => {
    const s = await openSession(c);
    const firstPage = (await call('memory.list', { namespace: 'small', limit: 1000 })).reply.result;
    expect(firstPage.truncated).toBe(true);
    const seen = firstPage.entries.map((e: { key: string }) => e.key);
    // Touch an entry already seen (it moves to the front) and delete one not yet seen.
    const unseen = `small-${SMALL - 1 - seen.length - 5}`;
    await c.call('memory.store', {
      key: seen[3],
      namespace: 'small',
      content: 'moved',
      ...s.creds,
    });
    await c.call('memory.delete', { key: unseen, namespace: 'small', ...s.creds });
    const rest = await followList({ namespace: 'small', limit: 1000, cursor: firstPage.cursor });
    const all = [...seen, ...rest.keys];
    expect(new Set(all).size).toBe(all.length);
    const expected = Array.from({ length: SMALL }, (_, i) => `small-${SMALL - 1 - i}`).filter(
      (k) => k !== unseen,
    );
    expect(all).toEqual(expected);
    await c.call('memory.store', { key: unseen, namespace: 'small', content: 'back', ...s.creds });
  });

  it('whole contents only for a small page; one too big for the budget alone is cut and says so', async () => {
    const refused = await call('memory.list', { namespace: 'big', limit: 51, content: true });
    expect(refused.reply.error.code).toBe(-32602);
    expect(refused.reply.error.message).toMatch(/limit ≤ 50/);
    const search = await call('memory.search', { query: 'walrus', limit: 100, content: true });
    expect(search.reply.error.code).toBe(-32602);

    const { keys, pages } = await followList({ namespace: 'big', limit: 5, content: true });
    expect(keys).toEqual([...bigKeys].reverse());
    for (const page of pages) {
      expect(page.truncated).toBe(true);
      expect(page.entries).toHaveLength(1);
      const e = page.entries[0];
      expect(e.cut).toBe(true);
      expect(e.size).toBe(points(bigContent(Number(e.key.slice(4)))));
      expect(bigContent(Number(e.key.slice(4))).startsWith(e.content)).toBe(true);
      expect(e.content.length).toBeGreaterThan(100_000);
    }
    // Small entries come whole.
    const small = await call('memory.list', { namespace: 'small', limit: 50, content: true });
    expect(small.reply.result.entries).toHaveLength(50);
    for (const e of small.reply.result.entries) {
      expect(e.cut).toBe(false);
      expect(e.content).toHaveLength(e.size);
    }
  }, 240_000);

  it('a search stays within the budget and continues from its cursor, each result once', async () => {
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    let first: Loose;
    do {
      const { bytes, reply } = await call('memory.search', {
        query: 'walrus',
        namespace: 'big',
        limit: 100,
        cursor,
      });
      expect(bytes).toBeLessThanOrEqual(BUDGET);
      first ??= reply.result;
      seen.push(...reply.result.results.map((r: Loose) => r.entry.key));
      for (const r of reply.result.results) {
        expect(r.entry).toMatchObject({ size: points(bigContent(Number(r.entry.key.slice(4)))) });
        expect(r.entry.cut).toBe(true);
        expect(r.snippet).toMatch(/\[walrus\]/);
      }
      cursor = reply.result.cursor ?? undefined;
      pages++;
    } while (cursor !== undefined && pages < 50);
    expect(first.truncated).toBe(true);
    expect(pages).toBeGreaterThan(1);
    expect([...seen].sort()).toEqual(bigKeys);
    const bad = await call('memory.search', { query: 'walrus', cursor: 'bm90LWEtY3Vyc29y' });
    expect(bad.reply.error.code).toBe(-32602);
    const both = await call('memory.list', { offset: 3, cursor: first.cursor });
    expect(both.reply.error.code).toBe(-32602);
  }, 240_000);

  it("12 lists of 1000 at once leave the daemon's memory bounded", async () => {
    const before = rss(d.child.pid!);
    const line = (n: number) =>
      JSON.stringify({
        jsonrpc: '2.0',
        id: `flood-${n}`,
        method: 'memory.list',
        params: { namespace: 'big', limit: 1000 },
      }) + '\n';
    raw.send(Array.from({ length: 12 }, (_, n) => line(n)).join(''));
    let peak = before;
    for (let n = 0; n < 12; n++) {
      const reply = await raw.nextLine(120_000);
      peak = Math.max(peak, rss(d.child.pid!));
      expect(Buffer.byteLength(reply) + 1).toBeLessThanOrEqual(BUDGET);
      expect(JSON.parse(reply).result.truncated).toBe(true);
    }
    const after = rss(d.child.pid!);
    console.log(
      `daemon VmRSS: before ${(before / 2 ** 20).toFixed(0)} MiB, peak seen ${(peak / 2 ** 20).toFixed(0)} MiB, after ${(after / 2 ** 20).toFixed(0)} MiB`,
    );
    // Whole contents would be 12 × 40 MB in strings alone, several times over once serialized.
    expect(after - before).toBeLessThan(150 * 2 ** 20);
    expect(peak - before).toBeLessThan(150 * 2 ** 20);
  });

  it('the CLI follows cursors: list and search show every entry asked for, export every entry or fails naming what it left out', async () => {
    const args = ['--socket', d.socketPath, '--data-dir', d.dataDir];
    const list = await runCli(['memory', 'list', '-n', 'big', '-l', '1000', ...args]);
    expect(list.code).toBe(0);
    expect(list.stdout).toContain(`${BIG} of ${BIG}`);
    for (const k of bigKeys) expect(list.stdout).toContain(k);
    const json = await runCli(['memory', 'list', '-n', 'big', '-l', '1000', '--json', ...args]);
    expect(JSON.parse(json.stdout).entries).toHaveLength(BIG);
    const search = await runCli([
      'memory',
      'search',
      'walrus',
      '-n',
      'big',
      '-l',
      '100',
      '--json',
      ...args,
    ]);
    expect(JSON.parse(search.stdout).results).toHaveLength(BIG);

    const small = await runCli(['memory', 'export', '-n', 'small', ...args]);
    expect(small.code).toBe(0);
    const lines = small.stdout.trim().split('\n');
    expect(lines).toHaveLength(SMALL);
    expect(new Set(lines.map((l) => JSON.parse(l).key)).size).toBe(SMALL);

    const out = join(tempDir(), 'big.jsonl');
    const big = await runCli(['memory', 'export', '-n', 'big', '-o', out, ...args]);
    expect(big.code).not.toBe(0);
    expect(big.stderr).toMatch(
      /export incomplete: 40 entries are larger than the daemon's reply budget/,
    );
    expect(big.stderr).toContain('big/"big-00"');
  }, 240_000);

  it('MCP memory_list over the same data is bounded and says how to continue', async () => {
    const shim = await spawnShim({ socketPath: d.socketPath, dataDir: d.dataDir });
    const r = await shim.call('memory_list', { namespace: 'big', limit: 1000 });
    expect(r.isError).toBeFalsy();
    expect(Buffer.byteLength(JSON.stringify(r))).toBeLessThanOrEqual(2 * BUDGET);
    const data = dataOf(r);
    expect(data.truncated).toBe(true);
    expect(data.entries.length).toBeLessThan(BIG);
    expect(textOf(r)).toContain('cut short to fit the reply size limit');
    expect(textOf(r)).toContain(`cursor ${JSON.stringify(data.cursor)}`);
    expect(textOf(r)).toContain('shown in part; memory_get reads it whole');
    const next = await shim.call('memory_list', {
      namespace: 'big',
      limit: 1000,
      cursor: data.cursor,
    });
    const nextKeys = dataOf(next).entries.map((e: { key: string }) => e.key);
    expect(nextKeys[0]).not.toBe(data.entries.at(-1).key);
    expect(new Set([...data.entries.map((e: { key: string }) => e.key), ...nextKeys]).size).toBe(
      data.entries.length + nextKeys.length,
    );
  });

  it('a reload changes the budget for the next call', async () => {
    writeConfig(dir, { daemon: { replyBudgetBytes: 8 * 1024 * 1024, ...SLOW_READS_OK } });
    const reload = await c.call('config.reload', {});
    expect(reload.changed).toContainEqual(
      expect.objectContaining({ path: 'daemon.replyBudgetBytes', appliedLive: true }),
    );
    const { reply } = await call('memory.list', { namespace: 'big', limit: 1000 });
    expect(reply.result.truncated).toBe(false);
    expect(reply.result.entries).toHaveLength(BIG);
    writeConfig(dir, { daemon: { replyBudgetBytes: BUDGET, ...SLOW_READS_OK } });
    await c.call('config.reload', {});
  });
});
