/**
 * Timing: run an operation from C concurrent workers for a fixed time, record every
 * latency, and summarise as ops/s and percentiles.
 */

export interface Summary {
  ops: number;
  /** Calls that failed (not counted in ops or latencies); absent when none did. */
  errors?: number;
  /** CPU time the server process spent per call (µs), where it can be read (Linux). */
  serverCpuUsPerOp?: number;
  opsPerSec: number;
  p50Us: number;
  p99Us: number;
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

export function summarise(latenciesUs: number[], elapsedMs: number): Summary {
  const sorted = Float64Array.from(latenciesUs).sort();
  return {
    ops: latenciesUs.length,
    opsPerSec: Math.round((latenciesUs.length / elapsedMs) * 1000),
    p50Us: Math.round(percentile(sorted, 50)),
    p99Us: Math.round(percentile(sorted, 99)),
  };
}

/** Runs `op(worker)` in `concurrency` closed loops for `durationMs`. */
export async function runConcurrent(
  concurrency: number,
  durationMs: number,
  op: (worker: number) => Promise<unknown>,
): Promise<Summary> {
  const latencies: number[] = [];
  let errors = 0;
  const start = performance.now();
  const deadline = start + durationMs;
  await Promise.all(
    Array.from({ length: concurrency }, async (_, w) => {
      while (performance.now() < deadline) {
        const t0 = performance.now();
        try {
          await op(w);
          latencies.push((performance.now() - t0) * 1000);
        } catch {
          errors++;
        }
      }
    }),
  );
  const summary = summarise(latencies, performance.now() - start);
  return errors > 0 ? { ...summary, errors } : summary;
}

/** Runs a synchronous `op` in a tight loop for `durationMs` (the in-process baseline). */
export function runSync(durationMs: number, op: () => unknown): Summary {
  const latencies: number[] = [];
  const start = performance.now();
  const deadline = start + durationMs;
  while (performance.now() < deadline) {
    const t0 = performance.now();
    op();
    latencies.push((performance.now() - t0) * 1000);
  }
  return summarise(latencies, performance.now() - start);
}

/** The per-field median of repeated runs of one measurement cell (errors: their sum). */
export function medianSummary(runs: Summary[]): Summary {
  const errors = runs.reduce((sum, r) => sum + (r.errors ?? 0), 0);
  const cpu = runs.flatMap((r) => (r.serverCpuUsPerOp === undefined ? [] : [r.serverCpuUsPerOp]));
  return {
    ...(errors > 0 && { errors }),
    ...(cpu.length > 0 && { serverCpuUsPerOp: median(cpu) }),
    ops: median(runs.map((r) => r.ops)),
    opsPerSec: median(runs.map((r) => r.opsPerSec)),
    p50Us: median(runs.map((r) => r.p50Us)),
    p99Us: median(runs.map((r) => r.p99Us)),
  };
}

export function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s.length === 0 ? 0 : s[Math.floor(s.length / 2)]!;
}
