/**
 * One memory entry in full (metadata, tags, version), with Edit (the entry editor, saved
 * at the version shown) and Delete (asked first). Writes run in the dashboard's session,
 * under the API's rules: an entry another session owns is refused with its message.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { call } from './api.js';
import { ConfirmButton } from './confirm.js';
import { EntryEditor, type Entry } from './entry-editor.js';
import { time } from './format.js';

export function EntryView({
  entry,
  onChanged,
  onDeleted,
}: {
  entry: Entry;
  onChanged: (entry: Entry) => void;
  onDeleted: (entry: Entry) => void;
}) {
  const [editing, setEditing] = useState(false);
  const [note, setNote] = useState<string | undefined>();
  const [error, setError] = useState<string | undefined>();
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    setEditing(false);
    setError(undefined);
    setNote(undefined);
  }, [entry.id]);

  const remove = () => {
    setError(undefined);
    call('memory.delete', { key: entry.key, namespace: entry.namespace }).then(
      (r) => (r.deleted ? onDeleted(entry) : setError('It was already gone.')),
      (e: Error) => setError(e.message),
    );
  };

  if (editing) {
    return (
      <section class="entry">
        <EntryEditor
          entry={entry}
          onSaved={(saved) => {
            setEditing(false);
            setNote(`Saved: now version ${saved.version}.`);
            onChanged(saved);
            heading.current?.focus();
          }}
          onCancel={() => setEditing(false)}
        />
      </section>
    );
  }
  return (
    <section aria-labelledby="entry-h" class="entry">
      <h2 id="entry-h" tabIndex={-1} ref={heading}>
        {entry.namespace} / {entry.key}
      </h2>
      {note && (
        <p class="ok" role="status">
          {note}
        </p>
      )}
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      <div class="actions">
        <button
          type="button"
          onClick={() => {
            setNote(undefined);
            setEditing(true);
          }}
        >
          Edit
        </button>
        <ConfirmButton
          label="Delete"
          question={`Delete ${entry.namespace} / ${entry.key}?`}
          onConfirm={remove}
        />
      </div>
      <dl class="fields">
        <dt>Version</dt>
        <dd>{entry.version}</dd>
        <dt>Updated</dt>
        <dd>{time(entry.updatedAt)}</dd>
        <dt>Created</dt>
        <dd>{time(entry.createdAt)}</dd>
        <dt>Tags</dt>
        <dd>{entry.tags.length ? entry.tags.join(', ') : '—'}</dd>
        <dt>Agent</dt>
        <dd>{entry.agentId ?? '—'}</dd>
        <dt>Metadata</dt>
        <dd>
          <pre>{JSON.stringify(entry.metadata, null, 2)}</pre>
        </dd>
      </dl>
      <h3>Content</h3>
      <pre class="content">{entry.content}</pre>
    </section>
  );
}
