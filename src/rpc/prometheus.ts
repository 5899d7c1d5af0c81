/**
 * What `GET /metrics` shows, in Prometheus text format through prom-client. Nothing here
 * sits on the request path: dispatch keeps plain counters (rpc/metrics.ts), the HTTP
 * front door its refusal counts, and each metric reads its source when scraped (a
 * `collect` callback). Labels come from bounded sets only — method buckets, error codes,
 * job names, audit event names — so a client cannot grow the output.
 */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { ErrorCode } from '../core/errors.js';
import { LATENCY_BUCKETS, type RequestMetrics } from './metrics.js';

export interface MetricSources {
  requests: RequestMetrics;
  /** HTTP refusals made before dispatch, by kind. */
  httpRefusals(): ReadonlyMap<string, number>;
  activeSessions(): number;
  connections(): { socket: number; httpInFlight: number; mcpSessions: number };
  /** Database and WAL sizes, and when the last checkpoint ran. */
  storage(): { sizeBytes: number; walBytes: number; lastCheckpoint: { at: string } | null };
  jobs(): { name: string; runs: number; failures: number }[];
  /** Audit records written, by event name (plugin.loaded, plugin.refused, …). */
  auditEvents(): ReadonlyMap<string, number>;
  now(): number;
}

/** Which error codes count as which refusal. */
const REFUSAL_KIND: Partial<Record<ErrorCode, string>> = {
  UNAUTHENTICATED: 'authentication',
  FORBIDDEN: 'access_denied',
  ACCESS_DENIED: 'access_denied',
  SESSION_INVALID: 'access_denied',
  SESSION_REQUIRED: 'session_required',
  RATE_LIMITED: 'rate_limited',
  BUSY: 'busy',
  PAYLOAD_TOO_LARGE: 'too_large',
};

const PLUGIN_EVENTS = ['plugin.loaded', 'plugin.refused', 'plugin.denied', 'plugin.failed'];

const LATENCY_HELP = 'Time from a request read to its reply, by method.';

/** A histogram whose buckets are kept elsewhere (rpc/metrics.ts) and read when scraped. */
class MethodLatency extends Histogram<'method'> {
  constructor(
    private readonly source: RequestMetrics,
    registry: Registry,
  ) {
    super({
      name: 'aistack_request_duration_seconds',
      help: LATENCY_HELP,
      labelNames: ['method'],
      buckets: [...LATENCY_BUCKETS],
      registers: [registry],
    });
  }

  /**
   * prom-client formats a histogram from `getForPromString()` (and `get()` from that), so
   * both are answered here from the source's counts, in prom-client's value shape.
   */
  async getForPromString() {
    const name = 'aistack_request_duration_seconds';
    const values: { value: number; labels: Record<string, string | number>; metricName: string }[] =
      [];
    for (const [method, l] of this.source.latencies()) {
      let cumulative = 0;
      LATENCY_BUCKETS.forEach((le, i) => {
        cumulative += l.buckets[i]!;
        values.push({ value: cumulative, labels: { method, le }, metricName: `${name}_bucket` });
      });
      cumulative += l.buckets[LATENCY_BUCKETS.length]!;
      values.push({
        value: cumulative,
        labels: { method, le: '+Inf' },
        metricName: `${name}_bucket`,
      });
      values.push({ value: l.sum, labels: { method }, metricName: `${name}_sum` });
      values.push({ value: l.count, labels: { method }, metricName: `${name}_count` });
    }
    return {
      name,
      help: LATENCY_HELP,
      type: 'histogram' as const,
      values,
      aggregator: 'sum' as const,
    };
  }

  override async get() {
    return (await this.getForPromString()) as unknown as Awaited<
      ReturnType<Histogram<'method'>['get']>
    >;
  }
}

export function buildMetricsRegistry(src: MetricSources): Registry {
  const registry = new Registry();
  const registers = [registry];
  new Counter({
    name: 'aistack_requests_total',
    help: 'Requests by method (socket and HTTP; unknown methods share one bucket).',
    labelNames: ['method'],
    registers,
    collect() {
      this.reset();
      for (const [method, c] of Object.entries(src.requests.snapshot().byMethod)) {
        this.inc({ method }, c.requests);
      }
    },
  });
  new Counter({
    name: 'aistack_request_errors_total',
    help: 'Error replies by method and error code.',
    labelNames: ['method', 'code'],
    registers,
    collect() {
      this.reset();
      for (const e of src.requests.errorCodes())
        this.inc({ method: e.bucket, code: e.code }, e.count);
    },
  });
  new MethodLatency(src.requests, registry);
  new Counter({
    name: 'aistack_refusals_total',
    help: 'Refused requests by kind: authentication, access_denied, rate_limited, host, origin, dashboard, session_required, busy, too_large.',
    labelNames: ['kind'],
    registers,
    collect() {
      this.reset();
      const kinds = new Map<string, number>(
        ['authentication', 'access_denied', 'rate_limited', 'host', 'origin'].map((k) => [k, 0]),
      );
      for (const e of src.requests.errorCodes()) {
        const kind = REFUSAL_KIND[e.code];
        if (kind) kinds.set(kind, (kinds.get(kind) ?? 0) + e.count);
      }
      for (const [kind, n] of src.httpRefusals()) {
        // Rate-limit refusals are already counted by their error code.
        if (kind !== 'rate_limited') kinds.set(kind, (kinds.get(kind) ?? 0) + n);
      }
      for (const [kind, n] of kinds) this.inc({ kind }, n);
    },
  });
  new Gauge({
    name: 'aistack_sessions_active',
    help: 'Sessions not ended.',
    registers,
    collect() {
      this.set(src.activeSessions());
    },
  });
  new Gauge({
    name: 'aistack_connections',
    help: 'Open socket connections, HTTP requests in flight, and open MCP sessions at /mcp.',
    labelNames: ['transport'],
    registers,
    collect() {
      const c = src.connections();
      this.set({ transport: 'socket' }, c.socket);
      this.set({ transport: 'http' }, c.httpInFlight);
      this.set({ transport: 'mcp-http' }, c.mcpSessions);
    },
  });
  new Gauge({
    name: 'aistack_database_bytes',
    help: 'Size of the database file and of its WAL.',
    labelNames: ['file'],
    registers,
    collect() {
      const s = src.storage();
      this.set({ file: 'db' }, s.sizeBytes);
      this.set({ file: 'wal' }, s.walBytes);
    },
  });
  new Gauge({
    name: 'aistack_checkpoint_age_seconds',
    help: 'Seconds since the last WAL checkpoint (-1: none yet).',
    registers,
    collect() {
      const last = src.storage().lastCheckpoint;
      this.set(last ? (src.now() - Date.parse(last.at)) / 1000 : -1);
    },
  });
  new Counter({
    name: 'aistack_job_runs_total',
    help: 'Job runs (scheduled and manual) by job and outcome.',
    labelNames: ['job', 'outcome'],
    registers,
    collect() {
      this.reset();
      for (const j of src.jobs()) {
        this.inc({ job: j.name, outcome: 'ok' }, j.runs - j.failures);
        this.inc({ job: j.name, outcome: 'failed' }, j.failures);
      }
    },
  });
  new Counter({
    name: 'aistack_plugin_events_total',
    help: 'Plugin loads, refusals (not approved, changed), denied operations and failures.',
    labelNames: ['event'],
    registers,
    collect() {
      this.reset();
      const events = src.auditEvents();
      for (const e of PLUGIN_EVENTS) this.inc({ event: e.slice(7) }, events.get(e) ?? 0);
    },
  });
  new Counter({
    name: 'aistack_audit_events_total',
    help: 'Audit records written, by event.',
    labelNames: ['event'],
    registers,
    collect() {
      this.reset();
      for (const [event, n] of src.auditEvents()) this.inc({ event }, n);
    },
  });
  return registry;
}
