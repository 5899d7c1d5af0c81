/**
 * The audit page: whether the chain verifies (audit.verify: intact, or the first bad
 * record, and any range pruning lost or notes on where retention starts it), and the log
 * itself, newest first, 50 at a time, filtered by event type, session and time. The
 * daemon filters and pages (audit.tail); the page never holds more than one page.
 */
import { useEffect, useState } from 'preact/hooks';
import type { ResultOf } from '../../src/protocol/table.js';
import { call } from './api.js';
import { time } from './format.js';

type Verify = ResultOf<'audit.verify'>;
type AuditRecord = ResultOf<'audit.tail'>['records'][number];
const LIMIT = 50;

interface Filters {
  type: string;
  sessionId: string;
  since: string;
  until: string;
}
const NONE: Filters = { type: '', sessionId: '', since: '', until: '' };
const TYPES = [
  'access.denied',
  'session.',
  'session.refused',
  'http.refused',
  'request.refused',
  'token.',
  'plugin.',
  'key.',
  'audit.',
  'backup.',
];

/** A datetime-local value (the browser's local time) as ISO 8601, or nothing. */
const iso = (local: string) => (local ? new Date(local).toISOString() : undefined);

function params(f: Filters, beforeSeq: number | undefined) {
  const since = iso(f.since);
  const until = iso(f.until);
  return {
    limit: LIMIT,
    ...(f.type.trim() && { type: f.type.trim() }),
    ...(f.sessionId.trim() && { sessionId: f.sessionId.trim() }),
    ...(since && { since }),
    ...(until && { until }),
    ...(beforeSeq !== undefined && { beforeSeq }),
  };
}

function VerifyStatus({ v }: { v: Verify }) {
  if (v.ok) {
    return (
      <>
        <p class="ok">
          Intact: {v.records} records{v.firstSeq !== null && `, seq ${v.firstSeq}–${v.lastSeq}`} in{' '}
          {v.files.length} file{v.files.length === 1 ? '' : 's'}
          {v.headChecked
            ? ', checked against the saved head'
            : ' (no saved head to check the end against)'}
          .
        </p>
        {v.notes.length > 0 && (
          <ul>
            {v.notes.map((n) => (
              <li key={n}>{n}</li>
            ))}
          </ul>
        )}
      </>
    );
  }
  return (
    <div class="error" role="alert">
      <p>
        Broken: {v.reason}
        {v.file &&
          ` (file ${v.file}${v.line ? `, line ${v.line}` : ''}${v.seq ? `, seq ${v.seq}` : ''})`}
      </p>
      {v.lost && v.lost.length > 0 && (
        <ul>
          {v.lost.map((l) => (
            <li key={l.firstSeq}>
              Records {l.firstSeq}–{l.lastSeq} ({time(l.firstTime)} to {time(l.lastTime)}) were
              deleted at {time(l.deletedAt)} while younger than audit.retentionDays.
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

export function Audit() {
  const [verify, setVerify] = useState<Verify | undefined>();
  const [form, setForm] = useState<Filters>(NONE);
  const [filters, setFilters] = useState<Filters>(NONE);
  const [before, setBefore] = useState<number[]>([]);
  const [records, setRecords] = useState<AuditRecord[] | undefined>();
  const [truncated, setTruncated] = useState(false);
  const [error, setError] = useState<string | undefined>();
  const fail = (e: Error) => setError(e.message);

  useEffect(() => void call('audit.verify', {}).then(setVerify, fail), []);
  const beforeSeq = before.at(-1);
  useEffect(() => {
    setError(undefined);
    call('audit.tail', params(filters, beforeSeq)).then((r) => {
      setRecords(r.records);
      setTruncated(r.truncated);
    }, fail);
  }, [filters, beforeSeq]);

  const field = (name: keyof Filters) => ({
    id: `f-${name}`,
    value: form[name],
    onInput: (e: Event) => setForm({ ...form, [name]: (e.target as HTMLInputElement).value }),
  });
  const apply = (e: Event) => {
    e.preventDefault();
    setBefore([]);
    setFilters(form);
  };
  const newestFirst = records ? [...records].reverse() : [];

  return (
    <>
      <h1>Audit</h1>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      <section aria-labelledby="verify-h">
        <h2 id="verify-h">Chain</h2>
        {verify ? <VerifyStatus v={verify} /> : <p>Checking…</p>}
      </section>
      <section aria-labelledby="log-h">
        <h2 id="log-h">Log</h2>
        <form class="filters" onSubmit={apply}>
          <div>
            <label for="f-type">Event type (prefix)</label>
            <input {...field('type')} list="f-types" maxLength={100} />
            <datalist id="f-types">
              {TYPES.map((t) => (
                <option key={t} value={t} />
              ))}
            </datalist>
          </div>
          <div>
            <label for="f-sessionId">Session id</label>
            <input {...field('sessionId')} maxLength={100} />
          </div>
          <div>
            <label for="f-since">From</label>
            <input {...field('since')} type="datetime-local" step={1} />
          </div>
          <div>
            <label for="f-until">Until</label>
            <input {...field('until')} type="datetime-local" step={1} />
          </div>
          <div class="actions">
            <button type="submit" class="primary">
              Filter
            </button>
            <button
              type="button"
              onClick={() => {
                setForm(NONE);
                setBefore([]);
                setFilters(NONE);
              }}
            >
              Clear
            </button>
          </div>
        </form>
        {records && records.length === 0 && <p>No records match.</p>}
        {newestFirst.length > 0 && (
          <div class="scroll">
            <table class="audit">
              <thead>
                <tr>
                  <th scope="col">Seq</th>
                  <th scope="col">Time</th>
                  <th scope="col">Event</th>
                  <th scope="col">Details</th>
                </tr>
              </thead>
              <tbody>
                {newestFirst.map((r) => (
                  <tr key={r.seq}>
                    <td>{r.seq}</td>
                    <td class="nowrap">{time(r.time)}</td>
                    <td>
                      <code>{r.event}</code>
                    </td>
                    <td>
                      <pre class="details">{r.details ? JSON.stringify(r.details) : ''}</pre>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        <div class="actions">
          <button type="button" disabled={before.length === 0} onClick={() => setBefore([])}>
            Newest
          </button>
          <button
            type="button"
            disabled={before.length === 0}
            onClick={() => setBefore(before.slice(0, -1))}
          >
            Newer
          </button>
          <button
            type="button"
            disabled={!records?.length || (records.length < LIMIT && !truncated)}
            onClick={() => setBefore([...before, records![0]!.seq])}
          >
            Older
          </button>
        </div>
      </section>
    </>
  );
}
