/**
 * The form that creates or edits a memory entry: content, tags and metadata (and key and
 * namespace for a new one). It saves through memory.store with the version it was opened
 * at (expectedVersion), so a change made elsewhere since is refused with the daemon's
 * message instead of being overwritten. A failed save keeps every field as typed.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import type { ResultOf } from '../../src/protocol/table.js';
import { call } from './api.js';

export type Entry = ResultOf<'memory.get'>['entry'];

const tagsOf = (text: string) =>
  text
    .split(',')
    .map((t) => t.trim())
    .filter(Boolean);

export function EntryEditor({
  entry,
  namespace,
  onSaved,
  onCancel,
}: {
  /** The entry as read; none for a new one. */
  entry?: Entry | undefined;
  /** For a new entry: the namespace to offer (the one being browsed). */
  namespace?: string | undefined;
  onSaved: (entry: Entry) => void;
  onCancel: () => void;
}) {
  const [key, setKey] = useState(entry?.key ?? '');
  const [ns, setNs] = useState(entry?.namespace ?? namespace ?? '');
  const [content, setContent] = useState(entry?.content ?? '');
  const [tags, setTags] = useState(entry?.tags.join(', ') ?? '');
  const [metadata, setMetadata] = useState(
    entry && Object.keys(entry.metadata).length > 0 ? JSON.stringify(entry.metadata, null, 2) : '',
  );
  const [error, setError] = useState<string | undefined>();
  const [saving, setSaving] = useState(false);

  const save = (e: Event) => {
    e.preventDefault();
    let meta: Record<string, unknown> = {};
    if (metadata.trim()) {
      try {
        const parsed = JSON.parse(metadata) as unknown;
        if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error();
        meta = parsed as Record<string, unknown>;
      } catch {
        setError('Metadata must be a JSON object, e.g. {"source": "notes"}; nothing was saved.');
        return;
      }
    }
    setError(undefined);
    setSaving(true);
    call('memory.store', {
      key: entry?.key ?? key.trim(),
      content,
      ...(entry ? { namespace: entry.namespace } : ns.trim() ? { namespace: ns.trim() } : {}),
      tags: tagsOf(tags),
      metadata: meta,
      expectedVersion: entry?.version ?? 0,
    })
      .then(
        (r) => onSaved(r.entry),
        (err: Error) => setError(err.message),
      )
      .finally(() => setSaving(false));
  };

  // Opened by a button: the first field gets the focus, so the keyboard goes on from there.
  const form = useRef<HTMLFormElement>(null);
  useEffect(() => form.current?.querySelector<HTMLElement>('input, textarea')?.focus(), []);

  const id = (name: string) => `edit-${name}`;
  return (
    <form class="editor" ref={form} onSubmit={save} aria-labelledby="editor-h">
      <h3 id="editor-h">
        {entry ? `Edit ${entry.namespace} / ${entry.key} (version ${entry.version})` : 'New entry'}
      </h3>
      {error && (
        <p class="error" role="alert">
          Not saved: {error}
        </p>
      )}
      {!entry && (
        <>
          <label for={id('key')}>Key</label>
          <input
            id={id('key')}
            required
            maxLength={512}
            value={key}
            onInput={(e) => setKey((e.target as HTMLInputElement).value)}
          />
          <label for={id('ns')}>Namespace</label>
          <input
            id={id('ns')}
            maxLength={256}
            placeholder="empty: this dashboard's session (deleted when it ends)"
            value={ns}
            onInput={(e) => setNs((e.target as HTMLInputElement).value)}
          />
        </>
      )}
      <label for={id('content')}>Content</label>
      <textarea
        id={id('content')}
        rows={10}
        value={content}
        onInput={(e) => setContent((e.target as HTMLTextAreaElement).value)}
      />
      <label for={id('tags')}>Tags (comma-separated)</label>
      <input
        id={id('tags')}
        value={tags}
        onInput={(e) => setTags((e.target as HTMLInputElement).value)}
      />
      <label for={id('meta')}>Metadata (a JSON object)</label>
      <textarea
        id={id('meta')}
        rows={4}
        class="mono"
        value={metadata}
        onInput={(e) => setMetadata((e.target as HTMLTextAreaElement).value)}
      />
      <div class="actions">
        <button type="submit" class="primary" disabled={saving}>
          {saving ? 'Saving…' : 'Save'}
        </button>
        <button type="button" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}
