/**
 * Soak: 8 writers and 8 readers over the real socket for a minute (AISTACK_SOAK_MS), against
 * a daemon in its own process. Not part of `npm test` (it would add a minute to every run):
 * `npm run test:soak` runs it (vitest.config.ts, mode "soak"), and so does `.ci/run`. The WAL file is sampled four times a second and must stay
 * under WAL_BOUND throughout, and must be truncated to 0 bytes once the daemon is idle.
 *
 * Why 16 MiB: the daemon's connection checkpoints whenever a commit leaves 1000 pages
 * (4 MiB) in the WAL, and with one connection nothing holds a checkpoint back, so the log
 * restarts from the top and the file stays near 4 MiB plus one transaction (5–7 MiB seen).
 * Why this proves it: with checkpoints off, this load wrote 347 MiB of WAL in 15 s
 * (10,220 writes, ~35 KB each), passing 16 MiB in about a second; the test requires more
 * than 2,000 writes, at least 4× the bound pushed through the WAL.
 */
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AistackClient } from '../../src/clients/client.js';
import { cleanupAll, connectTo, spawnDaemon, tempDir } from '../helpers/daemon.js';
import { openSession } from '../helpers/session.js';

afterEach(cleanupAll);

const LOAD_MS = Number(process.env.AISTACK_SOAK_MS ?? 60_000);
/** Each client pauses this long between calls: steady load, not a CPU-bound flood. */
const PACE_MS = 20;
const WAL_BOUND = 16 * 1024 * 1024;
const KEYS_PER_WRITER = 1500;
// A vocabulary big enough that a search matches a few hundred entries, not all of them.
const WORDS = Array.from({ length: 4000 }, (_, i) => `w${(i * 7919).toString(36)}`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const pick = <T>(xs: T[]) => xs[Math.floor(Math.random() * xs.length)]!;
const text = (words: number) => Array.from({ length: words }, () => pick(WORDS)).join(' ');
const walSize = (path: string) => {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
};

describe('soak', () => {
  it(
    `keeps the WAL under ${WAL_BOUND / 1024 / 1024} MiB with 8 writers and 8 readers, and truncates it when idle`,
    async () => {
      const dir = tempDir();
      const daemon = await spawnDaemon(dir);
      const wal = join(daemon.dataDir, 'aistack.db-wal');
      const connect = () => connectTo(daemon, { timeoutMs: 20_000 });
      const writers = await Promise.all(Array.from({ length: 8 }, connect));
      const readers = await Promise.all(Array.from({ length: 8 }, connect));
      const sessions = await Promise.all(writers.map((c) => openSession(c)));

      let stop = false;
      const counts = { writes: 0, reads: 0 };
      const errors: unknown[] = [];
      const writeLoop = async (c: AistackClient, w: number) => {
        for (let n = 0; !stop; n++) {
          // Keys repeat, so the load is the long-running mix of inserts and updates.
          await c.call('memory.store', {
            key: `w${w}-${n % KEYS_PER_WRITER}`,
            content: text(150),
            namespace: 'soak',
            tags: [pick(WORDS)],
            ...sessions[w]!.creds,
          });
          counts.writes++;
          await sleep(PACE_MS);
        }
      };
      const readLoop = async (c: AistackClient, r: number) => {
        for (let n = 0; !stop; n++) {
          if (n % 3 === 0) await c.call('memory.search', { query: pick(WORDS), limit: 10 });
          else if (n % 3 === 1)
            await c
              .call('memory.get', { key: `w${r}-${n % KEYS_PER_WRITER}`, namespace: 'soak' })
              .catch((e: { code?: string }) => {
                if (e.code !== 'NOT_FOUND') throw e;
              });
          else await c.call('memory.list', { namespace: 'soak', limit: 20 });
          counts.reads++;
          await sleep(PACE_MS);
        }
      };
      const loops = [
        ...writers.map((c, w) => writeLoop(c, w)),
        ...readers.map((c, r) => readLoop(c, r)),
      ].map((p) =>
        p.catch((err: unknown) => {
          errors.push(err);
        }),
      );

      const samples: number[] = [];
      const sampler = setInterval(() => samples.push(walSize(wal)), 250);
      await new Promise((r) => setTimeout(r, LOAD_MS));
      stop = true;
      await Promise.all(loops);
      clearInterval(sampler);
      samples.push(walSize(wal));

      const status = await readers[0]!.call('system.status');
      const max = Math.max(...samples);
      console.info(
        `soak: ${counts.writes} writes, ${counts.reads} reads in ${LOAD_MS} ms; WAL max ${(max / 1048576).toFixed(1)} MiB over ${samples.length} samples; db ${(status.database.sizeBytes / 1048576).toFixed(1)} MiB`,
      );
      expect(errors).toEqual([]);
      // Enough load that an unchecked WAL would have passed the bound several times over.
      expect(counts.writes).toBeGreaterThan(2000);
      expect(counts.reads).toBeGreaterThan(1000);
      expect(max).toBeLessThan(WAL_BOUND);
      expect(status.database).toMatchObject({ path: join(daemon.dataDir, 'aistack.db') });
      expect(status.database.walBytes).toBeLessThan(WAL_BOUND);

      // Idle: within a few seconds the daemon truncates the WAL to nothing.
      const deadline = Date.now() + 8000;
      while (walSize(wal) > 0 && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 200));
      expect(walSize(wal)).toBe(0);
      const idle = await readers[0]!.call('system.status');
      expect(idle.database.lastCheckpoint).toMatchObject({
        mode: 'truncate',
        busy: 0,
        walBytesAfter: 0,
      });
      expect(idle.database.lastCheckpoint!.walBytesBefore).toBeGreaterThan(0);
      for (const c of [...writers, ...readers]) c.close();
    },
    LOAD_MS + 60_000,
  );
});
