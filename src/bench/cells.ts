/**
 * The bench cells beyond the plain operation matrix, each answering one question of
 * issue #14: how `memory.store` fares with `storage.synchronous: "full"` (the daemon
 * restarted with that config), and whether one client's heavy searches hold up another
 * client's pings (the noisy neighbour). The limit line (the minimal server) runs beside
 * the daemon's own `memory.get` cells in run.ts, so their ratio is taken in one breath.
 */
import { LoadGenerator, type Target } from './load.js';
import type { OpData } from './load-ops.js';
import { medianSummary, type Summary } from './measure.js';
import type { Row } from './report.js';
import { startDaemon } from './servers.js';

export interface CellInput {
  dir: string;
  data: OpData;
  levels: number[];
  durationMs: number;
  repeat: number;
  say: (message: string) => void;
}

async function medianOf(repeat: number, run: () => Promise<Summary>): Promise<Summary> {
  const runs: Summary[] = [];
  for (let r = 0; r < repeat; r++) runs.push(await run());
  return medianSummary(runs);
}

/** `memory.store` from each level of clients against a daemon restarted with `synchronous: "full"`. */
export async function storeFullCells(input: CellInput, inproc: Summary): Promise<Row[]> {
  const { dir, data, levels, durationMs, repeat, say } = input;
  const daemon = await startDaemon(dir, { config: { storage: { synchronous: 'full' } } });
  const rows: Row[] = [];
  const load = await LoadGenerator.connect(data, daemon, Math.max(...levels), true);
  try {
    for (const level of levels) {
      const d = await medianOf(repeat, () => load.run('memory.store', level, durationMs));
      rows.push({ op: 'memory.store sync=full', clients: level, daemon: d, inproc });
      say(`memory.store (synchronous full) × ${level}: ${d.opsPerSec} ops/s, p50 ${d.p50Us} µs`);
    }
  } finally {
    await load.close();
    await daemon.stop();
  }
  return rows;
}

export interface NoisyNeighbourReport {
  /** The heavy search: the corpus's most common word, limit 100. */
  query: string;
  pingAlone: Summary;
  pingWithNeighbour: Summary;
  /** The neighbour's own searches while the pings ran. */
  neighbour: Summary;
}

/**
 * One client pings while another runs heavy searches back to back, each client in a
 * load worker of its own (so the neighbour's big replies are not parsed on the pinger's
 * thread); the same pings alone first, for the difference.
 */
export async function noisyNeighbourCell(
  input: CellInput,
  target: Target,
): Promise<NoisyNeighbourReport> {
  const { data, durationMs, repeat, say } = input;
  const pinger = await LoadGenerator.connect(data, target, 1);
  const neighbour = await LoadGenerator.connect(data, target, 1);
  try {
    const alone: Summary[] = [];
    const withNeighbour: Summary[] = [];
    const searches: Summary[] = [];
    for (let r = 0; r < repeat; r++) {
      alone.push(await pinger.run('system.ping', 1, durationMs));
      const [ping, search] = await Promise.all([
        pinger.run('system.ping', 1, durationMs),
        neighbour.run('heavy-search', 1, durationMs),
      ]);
      withNeighbour.push(ping);
      searches.push(search);
    }
    const report = {
      query: data.heavyQuery,
      pingAlone: medianSummary(alone),
      pingWithNeighbour: medianSummary(withNeighbour),
      neighbour: medianSummary(searches),
    };
    say(
      `noisy neighbour: ping p50/p99 ${report.pingAlone.p50Us}/${report.pingAlone.p99Us} µs alone, ${report.pingWithNeighbour.p50Us}/${report.pingWithNeighbour.p99Us} µs beside heavy searches (${report.neighbour.ops} searches, p50 ${report.neighbour.p50Us} µs)`,
    );
    return report;
  } finally {
    await Promise.all([pinger.close(), neighbour.close()]);
  }
}
