/**
 * The overview: the daemon's status, requests, errors and refusals per minute over the
 * last hour, active sessions, the scheduled jobs and the checks (system.doctor's with
 * their fixes; health, key ages, insecure transports). Refreshed every 15 s; one failed
 * refresh shows the daemon's message and keeps the last good numbers on screen.
 */
import { useEffect, useState } from 'preact/hooks';
import type { ResultOf } from '../../src/protocol/table.js';
import { call, series, type Series } from './api.js';
import { ago, bytes, duration, time } from './format.js';
import { Plot } from './plot.js';

interface Data {
  status: ResultOf<'system.status'>;
  health: ResultOf<'system.health'>;
  sessions: ResultOf<'session.list'>;
  jobs: ResultOf<'system.jobs'>;
  /** The daemon's checks; an Error keeps the rest of the overview on screen. */
  doctor: ResultOf<'system.doctor'> | Error;
  series: Series;
}

const REFRESH_MS = 15_000;
const REFUSAL_COLORS = ['#b42318', '#b54708', '#6941c6', '#0e7090', '#475467'];

async function load(): Promise<Data> {
  const [status, health, sessions, jobs, doctor, s] = await Promise.all([
    call('system.status', {}),
    call('system.health', {}),
    call('session.list', { limit: 50 }),
    call('system.jobs', {}),
    // Unmarked: the dashboard's refreshes do not move `aistack doctor`'s anomaly window.
    call('system.doctor', {}).catch((e: Error) => e),
    series(),
  ]);
  return { status, health, sessions, jobs, doctor, series: s };
}

export function Overview() {
  const [data, setData] = useState<Data | undefined>();
  const [error, setError] = useState<string | undefined>();

  useEffect(() => {
    let live = true;
    const refresh = () =>
      load().then(
        (d) => live && (setData(d), setError(undefined)),
        (e: Error) => live && setError(e.message),
      );
    void refresh();
    const timer = setInterval(refresh, REFRESH_MS);
    return () => {
      live = false;
      clearInterval(timer);
    };
  }, []);

  return (
    <>
      <h1>Overview</h1>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {!data ? <p>Loading…</p> : <Content d={data} />}
    </>
  );
}

function Content({ d }: { d: Data }) {
  const { status: s, series: ser } = d;
  const refusalKinds = Object.keys(ser.values).filter((k) => k.startsWith('refused:'));
  return (
    <>
      <section aria-labelledby="status-h">
        <h2 id="status-h">Daemon</h2>
        <dl class="cards">
          <Card term="Version" value={`${s.version} (Node ${s.node})`} />
          <Card term="Uptime" value={duration(s.uptimeSeconds)} />
          <Card term="Database" value={bytes(s.database.sizeBytes)} />
          <Card term="WAL" value={bytes(s.database.walBytes)} />
          <Card
            term="Last checkpoint"
            value={
              s.database.lastCheckpoint
                ? `${ago(s.database.lastCheckpoint.at)} (${s.database.lastCheckpoint.mode})`
                : 'none yet'
            }
          />
          <Card term="Connections" value={`${s.connections.current} of ${s.connections.max}`} />
          <Card term="Memory (RSS)" value={bytes(s.memoryRssBytes)} />
          <Card
            term="Requests"
            value={`${s.requests.total.requests} (${s.requests.total.errors} errors)`}
          />
        </dl>
      </section>

      <section aria-labelledby="traffic-h">
        <h2 id="traffic-h">Traffic, last hour</h2>
        <div class="plots">
          <Plot
            title="Requests and errors per minute"
            x={ser.minutes}
            ys={[ser.values.requests ?? [], ser.values.errors ?? []]}
            lines={[
              { label: 'requests', color: '#0a58ca' },
              { label: 'errors', color: '#b42318' },
            ]}
          />
          <Plot
            title="HTTP refusals per minute, by kind"
            x={ser.minutes}
            ys={
              refusalKinds.length
                ? refusalKinds.map((k) => ser.values[k]!)
                : [ser.minutes.map(() => 0)]
            }
            lines={
              refusalKinds.length
                ? refusalKinds.map((k, i) => ({
                    label: k.slice('refused:'.length),
                    color: REFUSAL_COLORS[i % REFUSAL_COLORS.length]!,
                  }))
                : [{ label: 'none', color: '#475467' }]
            }
          />
        </div>
      </section>

      <section aria-labelledby="sessions-h">
        <h2 id="sessions-h">Active sessions ({d.sessions.total})</h2>
        {d.sessions.sessions.length === 0 ? (
          <p>No active session.</p>
        ) : (
          <table>
            <thead>
              <tr>
                <th scope="col">Session</th>
                <th scope="col">Client</th>
                <th scope="col">Entries</th>
                <th scope="col">Started</th>
                <th scope="col">Last activity</th>
              </tr>
            </thead>
            <tbody>
              {d.sessions.sessions.map((x) => (
                <tr key={x.id}>
                  <td>
                    <code>{x.id}</code>
                  </td>
                  <td>{clientOf(x.metadata)}</td>
                  <td>{x.entries}</td>
                  <td>{time(x.startedAt)}</td>
                  <td>{ago(x.lastActivityAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>

      <section aria-labelledby="jobs-h">
        <h2 id="jobs-h">Jobs</h2>
        <table>
          <thead>
            <tr>
              <th scope="col">Job</th>
              <th scope="col">Schedule</th>
              <th scope="col">Last run</th>
              <th scope="col">Result</th>
              <th scope="col">Next run</th>
            </tr>
          </thead>
          <tbody>
            {d.jobs.jobs.map((j) => (
              <tr key={j.name}>
                <td title={j.description}>{j.name}</td>
                <td>
                  <code>{j.schedule}</code>
                  {j.enabled ? '' : ' (off)'}
                </td>
                <td>{j.running ? 'running now' : ago(j.lastRun?.finishedAt)}</td>
                <td>
                  {!j.lastRun ? (
                    '—'
                  ) : j.lastRun.ok ? (
                    'ok'
                  ) : (
                    <span class="bad">failed: {j.lastRun.error}</span>
                  )}
                </td>
                <td>{j.nextRun ? ago(j.nextRun) : 'not scheduled'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>

      <section aria-labelledby="checks-h">
        <h2 id="checks-h">Checks</h2>
        <Doctor doctor={d.doctor} />
        <ul class="checks">
          <li class={d.health.ok ? 'ok' : 'bad'}>
            Database health: {d.health.ok ? 'ok' : d.health.problems.join('; ')}
          </li>
          {s.keys.length === 0 && <li>No provider key configured.</li>}
          {s.keys.map((k) => (
            <li key={k.fingerprint} class={k.rotationDue ? 'bad' : 'ok'}>
              {k.provider} key <code>{k.fingerprint}</code>: {k.ageDays} days old
              {k.rotationDue ? ' — due for rotation (security.keyRotationDays)' : ''}
            </li>
          ))}
          {s.insecureTransport.map((t) => (
            <li key={t.field} class="bad">
              {t.message} Fix: {t.fix}
            </li>
          ))}
          {s.insecureTransport.length === 0 && (
            <li class="ok">No key or prompt travels in cleartext.</li>
          )}
        </ul>
      </section>
    </>
  );
}

/** system.doctor's checks, problems first, each WARN and FAIL with its fix. */
function Doctor({ doctor }: { doctor: Data['doctor'] }) {
  if (doctor instanceof Error)
    return (
      <p class="error" role="alert">
        The daemon's checks could not run: {doctor.message}
      </p>
    );
  const rank = { FAIL: 0, WARN: 1, PASS: 2 } as const;
  const checks = [...doctor.checks].sort((a, b) => rank[a.status] - rank[b.status]);
  return (
    <table class="doctor">
      <caption>
        The daemon's part of <code>aistack doctor</code>; anomalies since{' '}
        {time(doctor.anomalyWindow.since)}
      </caption>
      <thead>
        <tr>
          <th scope="col">Status</th>
          <th scope="col">Check</th>
          <th scope="col">Found</th>
          <th scope="col">Fix</th>
        </tr>
      </thead>
      <tbody>
        {checks.map((c) => (
          <tr key={c.name} class={`check-${c.status.toLowerCase()}`}>
            <td>
              <span class={c.status === 'PASS' ? 'ok' : 'bad'}>{c.status}</span>
            </td>
            <td>{c.name}</td>
            <td>{c.detail}</td>
            <td>{c.fix ?? '—'}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function Card({ term, value }: { term: string; value: string }) {
  return (
    <div class="card">
      <dt>{term}</dt>
      <dd>{value}</dd>
    </div>
  );
}

function clientOf(metadata: Record<string, unknown>): string {
  const c = metadata.client ?? metadata.clientName ?? metadata.name;
  return typeof c === 'string' ? c : '—';
}
