/**
 * The sessions page: active sessions (or every one, ended too) with their client, project,
 * entry count and idle time, a page of 50 at a time, and "End" (asked first), which ends a
 * session as its owner may (force: deletes its namespace, stops its agents).
 */
import { useEffect, useState } from 'preact/hooks';
import type { ResultOf } from '../../src/protocol/table.js';
import { call } from './api.js';
import { ConfirmTable } from './confirm-table.js';
import { ago, duration, time } from './format.js';

type Page = ResultOf<'session.list'>;
type Session = Page['sessions'][number];
const LIMIT = 50;

const clientOf = (s: Session) =>
  typeof s.metadata.client === 'string' ? s.metadata.client.slice(0, 60) : '—';

export function Sessions() {
  const [all, setAll] = useState(false);
  const [offset, setOffset] = useState(0);
  const [page, setPage] = useState<Page | undefined>();
  const [error, setError] = useState<string | undefined>();
  const [note, setNote] = useState<string | undefined>();

  const load = () =>
    call('session.list', { includeEnded: all, limit: LIMIT, offset }).then(
      (p) => (setPage(p), setError(undefined)),
      (e: Error) => setError(e.message),
    );
  useEffect(() => void load(), [all, offset]);

  const end = (s: Session) => {
    setNote(undefined);
    call('session.end', { sessionId: s.id, force: true }).then(
      (r) => {
        setNote(
          `Ended session ${s.id}: ${r.deletedEntries} entries deleted, ${r.stoppedAgents} agents stopped, ${r.cancelledTasks} tasks cancelled.`,
        );
        void load();
      },
      (e: Error) => setError(e.message),
    );
  };

  const now = Date.now();
  return (
    <>
      <h1>Sessions</h1>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {note && (
        <p class="ok" role="status">
          {note}
        </p>
      )}
      <section aria-labelledby="sessions-h">
        <h2 id="sessions-h">
          {all ? 'All sessions' : 'Active sessions'}
          {page ? ` (${page.total})` : ''}
        </h2>
        <label class="inline">
          <input
            type="checkbox"
            checked={all}
            onChange={(e) => {
              setOffset(0);
              setAll((e.target as HTMLInputElement).checked);
            }}
          />{' '}
          Show ended sessions too
        </label>
        {!page ? (
          <p>Loading…</p>
        ) : page.sessions.length === 0 ? (
          <p>No {all ? '' : 'active '}sessions.</p>
        ) : (
          <ConfirmTable
            columns={['Session', 'Client', 'Project', 'Entries', 'Started', 'Idle', 'State']}
            rows={page.sessions}
            keyOf={(s) => s.id}
            cells={(s) => (
              <>
                <td>
                  <code>{s.id}</code>
                </td>
                <td>{clientOf(s)}</td>
                <td>{s.project?.name ?? '—'}</td>
                <td>{s.entries}</td>
                <td>{time(s.startedAt)}</td>
                <td>
                  {s.endedAt
                    ? '—'
                    : `${duration((now - Date.parse(s.lastActivityAt)) / 1000)} of ${duration(s.idleTimeoutMinutes * 60)}`}
                </td>
                <td>{s.endedAt ? `${s.endReason ?? 'ended'} ${ago(s.endedAt, now)}` : 'active'}</td>
              </>
            )}
            action={(s) =>
              s.endedAt
                ? undefined
                : {
                    label: 'End',
                    question: `End session ${s.id} and delete its ${s.entries} entries?`,
                    onConfirm: () => end(s),
                  }
            }
          />
        )}
        {page && page.total > LIMIT && (
          <div class="actions">
            <button
              type="button"
              disabled={offset === 0}
              onClick={() => setOffset(Math.max(0, offset - LIMIT))}
            >
              Previous
            </button>
            <span>
              {offset + 1}–{offset + page.sessions.length} of {page.total}
            </span>
            <button
              type="button"
              disabled={offset + page.sessions.length >= page.total}
              onClick={() => setOffset(offset + page.sessions.length)}
            >
              Next
            </button>
          </div>
        )}
      </section>
    </>
  );
}
