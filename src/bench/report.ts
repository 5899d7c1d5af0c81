/**
 * The benchmark's output: a table for people (with the issue's performance bars
 * checked), or the whole report as JSON.
 */
import type { NoisyNeighbourReport } from './cells.js';
import { describeMcpHttp, type McpHttpResult } from './mcp-http.js';
import type { McpStartupResult } from './mcp-startup.js';
import type { Summary } from './measure.js';
import type { VectorReport } from './vector.js';

export interface Row {
  op: string;
  clients: number;
  daemon: Summary;
  inproc: Summary;
}

export interface Report {
  entries: number;
  load: { daemonMs: number; inprocessMs: number };
  database: { daemonBytes: number; inprocessBytes: number };
  daemonRssBytes: number;
  rows: Row[];
  noisyNeighbour?: NoisyNeighbourReport;
  vector?: VectorReport;
  mcp?: McpStartupResult;
  mcpHttp?: McpHttpResult;
  [k: string]: unknown;
}

const mb = (b: number) => `${(b / 1024 / 1024).toFixed(1)} MB`;

function bars(rows: Row[], noisy: NoisyNeighbourReport | undefined) {
  const find = (op: string, c: number) => rows.find((r) => r.op === op && r.clients === c);
  const out: { bar: string; measured: string; ok: boolean }[] = [];
  // The transport's cost, on the plain operations (vector and hybrid searches take
  // milliseconds, and their query embedding is an HTTP call either way).
  const added = rows
    .filter((r) => r.clients === 1 && !r.op.includes(' '))
    .map((r) => ({ op: r.op, us: r.daemon.p50Us - r.inproc.p50Us }));
  if (added.length) {
    const worst = added.reduce((a, b) => (b.us > a.us ? b : a));
    out.push({
      bar: 'daemon adds ≤ 60 µs p50 at 1 client',
      measured: `worst ${worst.us} µs (${worst.op})`,
      ok: worst.us <= 60,
    });
  }
  const get8 = find('memory.get', 8);
  if (get8) {
    out.push({
      bar: 'memory.get × 8 ≥ 40,000 ops/s',
      measured: `${get8.daemon.opsPerSec} ops/s`,
      ok: get8.daemon.opsPerSec >= 40_000,
    });
    const limit = find('memory.get minimal server', 8);
    if (limit) {
      const ratio = get8.daemon.opsPerSec / limit.daemon.opsPerSec;
      out.push({
        bar: 'memory.get × 8 ≥ 0.8 × minimal server',
        measured: `${ratio.toFixed(2)} (${limit.daemon.opsPerSec} ops/s)`,
        ok: ratio >= 0.8,
      });
    }
    out.push({
      bar: 'memory.get × 8 p99 ≤ 5 ms',
      measured: `${(get8.daemon.p99Us / 1000).toFixed(2)} ms`,
      ok: get8.daemon.p99Us <= 5000,
    });
  }
  const search1 = find('memory.search', 1);
  if (search1)
    out.push({
      bar: 'memory.search p50 ≤ 5 ms',
      measured: `${(search1.daemon.p50Us / 1000).toFixed(2)} ms`,
      ok: search1.daemon.p50Us <= 5000,
    });
  const hybrid1 = find('memory.search hybrid', 1);
  if (hybrid1)
    out.push({
      bar: 'memory.search hybrid p50 ≤ 25 ms (100k × 384)',
      measured: `${(hybrid1.daemon.p50Us / 1000).toFixed(2)} ms`,
      ok: hybrid1.daemon.p50Us <= 25_000,
    });
  const store8 = find('memory.store', 8);
  if (store8)
    out.push({
      bar: 'memory.store × 8 ≥ 5,000 ops/s',
      measured: `${store8.daemon.opsPerSec} ops/s`,
      ok: store8.daemon.opsPerSec >= 5000,
    });
  if (noisy) {
    const added = noisy.pingWithNeighbour.p99Us - noisy.pingAlone.p99Us;
    out.push({
      bar: 'heavy searches add ≤ 50 ms to ping p99',
      measured: `+${(added / 1000).toFixed(1)} ms`,
      ok: added <= 50_000,
    });
  }
  return out;
}

export function printReport(report: Report, json: boolean): void {
  const checks = bars(report.rows, report.noisyNeighbour);
  if (json) {
    process.stdout.write(JSON.stringify({ ...report, bars: checks }, null, 2) + '\n');
    return;
  }
  const header = [
    'operation',
    'clients',
    'ops/s',
    'p50 µs',
    'p99 µs',
    'cpu µs/op',
    'in-proc ops/s',
    'in-proc p50 µs',
    'ratio',
    'added p50 µs',
  ];
  const lines = report.rows.map((r) => [
    r.op,
    String(r.clients),
    String(r.daemon.opsPerSec),
    String(r.daemon.p50Us),
    String(r.daemon.p99Us),
    r.daemon.serverCpuUsPerOp === undefined ? '-' : String(r.daemon.serverCpuUsPerOp),
    String(r.inproc.opsPerSec),
    String(r.inproc.p50Us),
    (r.daemon.opsPerSec / r.inproc.opsPerSec).toFixed(2),
    String(r.daemon.p50Us - r.inproc.p50Us),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const fmt = (cells: string[]) =>
    cells.map((c, i) => (i < 1 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  const out = [fmt(header), ...lines.map(fmt)];
  out.push('');
  out.push(
    `entries ${report.entries}${report.links ? `, links ${String(report.links)}` : ''}; load through daemon ${report.load.daemonMs} ms, in-process ${report.load.inprocessMs} ms`,
  );
  out.push(
    `database ${mb(report.database.daemonBytes)} (daemon), ${mb(report.database.inprocessBytes)} (in-process); daemon RSS ${mb(report.daemonRssBytes)}`,
  );
  out.push(
    'ratio = ops/s ÷ in-process ops/s (one in-process thread); added = p50 − in-process p50; cpu = CPU time of the server process per call (all its threads); clients run in a worker thread; "minimal server" = the limit line (same SELECT and framing, no checks); "sync=full" = daemon restarted with storage.synchronous "full"',
  );
  if (report.mcp) {
    const m = report.mcp;
    out.push(
      `MCP shim (median of ${m.runs} starts): initialize in ${m.initializeMs} ms wall${m.initializeCpuMs !== null ? `, ${m.initializeCpuMs} ms CPU` : ''}; first tool call ${m.firstCallMs} ms; RSS ${m.rssMb} MB${m.privateMb !== null ? `, private ${m.privateMb} MB` : ''}`,
    );
  }
  if (report.mcpHttp) out.push(describeMcpHttp(report.mcpHttp));
  const nn = report.noisyNeighbour;
  if (nn) {
    const ms = (us: number) => (us / 1000).toFixed(2);
    out.push(
      `noisy neighbour: ping p50/p99 ${ms(nn.pingAlone.p50Us)}/${ms(nn.pingAlone.p99Us)} ms alone, ${ms(nn.pingWithNeighbour.p50Us)}/${ms(nn.pingWithNeighbour.p99Us)} ms while another client searches "${nn.query}" (limit 100) back to back (${nn.neighbour.ops} searches, p50 ${ms(nn.neighbour.p50Us)} ms${nn.neighbour.errors ? `, ${nn.neighbour.errors} failed` : ''})`,
    );
  }
  const failed = report.rows.filter((r) => r.daemon.errors);
  for (const r of failed) out.push(`${r.op} × ${r.clients}: ${r.daemon.errors} calls failed`);
  const v = report.vector;
  if (v) {
    out.push(
      `vector: ${v.dimensions} dimensions; corpus embedded locally in ${v.embedCorpusMs} ms, vectors written in ${v.writeVectorsMs} ms (both databases); daemon index ready ${v.daemonIndexBuildMs} ms after start; daemon RSS ${mb(v.daemonRssBytes)} with the index`,
    );
    out.push(
      `vector: recall@10 ${v.recallAt10.toFixed(3)} against an exact scan (${v.recallQueries} queries, ${v.vectorCandidates} candidates reranked)`,
    );
  }
  out.push('');
  for (const c of checks) out.push(`${c.ok ? 'PASS' : 'MISS'}  ${c.bar.padEnd(40)} ${c.measured}`);
  process.stdout.write(out.join('\n') + '\n');
}
