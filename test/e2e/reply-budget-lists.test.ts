/**
 * The reply budget on the lists whose items are small but may be many: task.list (texts
 * as previews), session.list and audit.tail. Through a real daemon with the smallest
 * budget (256 KiB): every reply line stays within it however much was asked for, says
 * when it stopped early, and paging on from where it stopped reaches every item once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AistackClient } from '../../src/clients/client.js';
import {
  cleanupAll,
  connectTo,
  ownerToken,
  spawnDaemon,
  tempDir,
  writeConfig,
  type ChildDaemon,
} from '../helpers/daemon.js';
import { rawSocket, type RawSocket } from '../helpers/raw-socket.js';
import { openSession, type TestSession } from '../helpers/session.js';

const BUDGET = 256 * 1024;
/** Control characters take 6 bytes each in JSON: the largest previews there can be. */
const HEAVY = '\u0001'.repeat(300);

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Loose = any;

let d: ChildDaemon;
let c: AistackClient;
let raw: RawSocket;
let me: TestSession;
let id = 0;

/** One call on the raw socket: the reply line's size, and the reply. */
async function call(method: string, params: unknown): Promise<{ bytes: number; reply: Loose }> {
  raw.send(JSON.stringify({ jsonrpc: '2.0', id: ++id, method, params }) + '\n');
  const line = await raw.nextLine(60_000);
  return { bytes: Buffer.byteLength(line) + 1, reply: JSON.parse(line) };
}

beforeAll(async () => {
  const dir = tempDir();
  const config = writeConfig(dir, {
    daemon: { replyBudgetBytes: BUDGET, refusalSlowAfter: 100_000, refusalCloseAfter: 100_000 },
  });
  d = await spawnDaemon(dir, ['--config', config]);
  c = await connectTo(d, { timeoutMs: 120_000 });
  me = await openSession(c);
  raw = await rawSocket(d.socketPath, ownerToken(d));
}, 120_000);

afterAll(async () => {
  raw?.close();
  c?.close();
  await cleanupAll();
});

describe('the reply budget on small-item lists', () => {
  it('task.list shows previews of megabyte texts, and pages within the budget to every task', async () => {
    const big = await c.call('task.create', { input: 'x'.repeat(200_000), ...me.creds });
    await c.call('task.complete', {
      taskId: big.task.id,
      output: 'é'.repeat(1_000_000),
      ...me.creds,
    });
    const ids = new Set<string>([big.task.id]);
    for (let i = 0; i < 120; i++) {
      const { task } = await c.call('task.create', { input: `${i} ${HEAVY}`, ...me.creds });
      await c.call('task.complete', { taskId: task.id, output: HEAVY, ...me.creds });
      ids.add(task.id);
    }

    const seen: string[] = [];
    const shownById = new Map<string, Loose>();
    let pages = 0;
    let truncatedPages = 0;
    for (let offset = 0; pages < 50; pages++) {
      const { bytes, reply } = await call('task.list', { limit: 1000, offset, ...me.creds });
      expect(reply.error).toBeUndefined();
      expect(bytes).toBeLessThanOrEqual(BUDGET);
      const page = reply.result;
      expect(page.total).toBe(ids.size);
      expect(page.count).toBe(page.tasks.length);
      if (page.truncated) truncatedPages++;
      seen.push(...page.tasks.map((t: Loose) => t.id));
      for (const t of page.tasks) shownById.set(t.id, t);
      offset += page.count;
      if (!page.truncated) break;
    }
    expect(truncatedPages).toBeGreaterThan(0);
    expect(seen.length).toBe(ids.size);
    expect(new Set(seen)).toEqual(ids);

    expect(shownById.get(big.task.id)).toMatchObject({
      input: 'x'.repeat(200),
      inputSize: 200_000,
      output: 'é'.repeat(200),
      outputSize: 1_000_000,
      cut: true,
    });
    // The whole texts are task.get's.
    const whole = await c.call('task.get', { taskId: big.task.id, ...me.creds });
    expect(whole.task.input.length).toBe(200_000);
    expect(whole.task.output!.length).toBe(1_000_000);
  }, 180_000);

  it('session.list stays within the budget and pages on to every session', async () => {
    const metadata = { note: 'n'.repeat(40_000) };
    const started = new Set<string>();
    for (let i = 0; i < 12; i++) started.add((await openSession(c, metadata)).id);
    const seen: string[] = [];
    let truncatedPages = 0;
    for (let offset = 0, pages = 0; pages < 50; pages++) {
      const { bytes, reply } = await call('session.list', { limit: 1000, offset });
      expect(reply.error).toBeUndefined();
      expect(bytes).toBeLessThanOrEqual(BUDGET);
      seen.push(...reply.result.sessions.map((s: Loose) => s.id));
      offset += reply.result.sessions.length;
      if (reply.result.truncated) truncatedPages++;
      else break;
    }
    expect(truncatedPages).toBeGreaterThan(0);
    expect(new Set(seen).size).toBe(seen.length);
    for (const s of started) expect(seen).toContain(s);
    expect(seen).toContain(me.id);
  }, 120_000);

  it('audit.tail stays within the budget; afterSeq from the last record shown reaches the newest', async () => {
    // 900 refusals naming distinct namespaces: not aggregated, ~400 bytes each.
    const first = (await call('audit.tail', { limit: 1 })).reply.result.records[0].seq as number;
    const refused = await Promise.allSettled(
      Array.from({ length: 900 }, (_, i) =>
        c.call('memory.get', {
          key: 'k',
          namespace: `session:${String(i).padStart(4, '0')}${'z'.repeat(80)}`,
          ...me.creds,
        }),
      ),
    );
    expect(refused.every((r) => r.status === 'rejected')).toBe(true);

    const { bytes, reply } = await call('audit.tail', { limit: 1000, afterSeq: first });
    expect(bytes).toBeLessThanOrEqual(BUDGET);
    expect(reply.result.truncated).toBe(true);
    const records: Loose[] = [...reply.result.records];
    for (let pages = 0; pages < 50; pages++) {
      const last = records.at(-1).seq;
      const next = await call('audit.tail', { limit: 1000, afterSeq: last });
      expect(next.bytes).toBeLessThanOrEqual(BUDGET);
      records.push(...next.reply.result.records);
      if (!next.reply.result.truncated) break;
    }
    const seqs = records.map((r) => r.seq as number);
    // Consecutive, none missing or repeated, up to the newest.
    expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => first + 1 + i));
    const denied = records.filter((r) => r.event === 'access.denied');
    expect(denied.length).toBe(900);
  }, 120_000);
});
