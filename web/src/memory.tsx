/**
 * The memory page: the namespaces the owner may see with their entry counts, the newest
 * entries of one, a search (the daemon's default mode: hybrid when embeddings are on,
 * else full-text) with its snippets, and one entry in full with its metadata, tags and
 * version, which can be edited or deleted (entry-view.tsx), and a new entry. Writes run in
 * the session the daemon opens for this dashboard, so its scratch entries show here too.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import type { ResultOf } from '../../src/protocol/table.js';
import { call } from './api.js';
import { EntryEditor, type Entry } from './entry-editor.js';
import { EntryView } from './entry-view.js';
import { time } from './format.js';

type Namespaces = ResultOf<'memory.namespaces'>['namespaces'];
interface Row {
  key: string;
  namespace: string;
  text: string;
  version: number;
  updatedAt: string;
}

/** Turns the daemon's [match] marks into <mark> elements (text only, never HTML). */
function Snippet({ text }: { text: string }) {
  const parts = text.split(/(\[[^\]]*\])/);
  return (
    <>
      {parts.map((p, i) =>
        p.startsWith('[') && p.endsWith(']') ? <mark key={i}>{p.slice(1, -1)}</mark> : p,
      )}
    </>
  );
}

export function Memory() {
  const [namespaces, setNamespaces] = useState<Namespaces>([]);
  const [namespace, setNamespace] = useState<string | undefined>();
  const [query, setQuery] = useState('');
  const [rows, setRows] = useState<Row[] | undefined>();
  const [heading, setHeading] = useState('Newest entries');
  const [entry, setEntry] = useState<Entry | undefined>();
  const [creating, setCreating] = useState(false);
  /** The words of the results on screen, if they are a search's (a write re-runs it). */
  const [searched, setSearched] = useState<string | undefined>();
  const [error, setError] = useState<string | undefined>();

  const fail = (e: Error) => setError(e.message);
  // Only the newest list or search may fill the page: an older answer that arrives late
  // (the first call also opens the dashboard's session) must not overwrite it.
  const latest = useRef(0);

  const loadNamespaces = () =>
    call('memory.namespaces', {}).then((r) => setNamespaces(r.namespaces), fail);
  useEffect(() => void loadNamespaces(), []);

  const list = (ns: string | undefined) => {
    setError(undefined);
    const n = ++latest.current;
    call('memory.list', { limit: 50, ...(ns ? { namespace: ns } : {}) }).then((r) => {
      if (n !== latest.current) return;
      setHeading(`Newest entries${ns ? ` in ${ns}` : ''} (${r.total})`);
      setRows(
        r.entries.map((e) => ({
          key: e.key,
          namespace: e.namespace,
          text: e.preview ?? '',
          version: e.version,
          updatedAt: e.updatedAt,
        })),
      );
    }, fail);
  };

  useEffect(() => {
    setSearched(undefined);
    list(namespace);
  }, [namespace]);

  const runSearch = (words: string) => {
    setError(undefined);
    setSearched(words);
    const n = ++latest.current;
    call('memory.search', { query: words, limit: 50, ...(namespace ? { namespace } : {}) }).then(
      (r) => {
        if (n !== latest.current) return;
        setHeading(
          `Results for “${words}” (${r.count}, ${r.mode}${r.degraded ? `: ${r.degraded}` : ''})`,
        );
        setRows(
          r.results.map((x) => ({
            key: x.entry.key,
            namespace: x.entry.namespace,
            text: x.snippet,
            version: x.entry.version,
            updatedAt: x.entry.updatedAt,
          })),
        );
      },
      fail,
    );
  };
  const search = (e: Event) => {
    e.preventDefault();
    if (query.trim()) return runSearch(query);
    setSearched(undefined);
    list(namespace);
  };

  const open = (r: Row) =>
    call('memory.get', { key: r.key, namespace: r.namespace }).then((x) => {
      setCreating(false);
      setEntry(x.entry);
    }, fail);

  /** After a write: the counts and the list as they are now. */
  const refresh = () => {
    void loadNamespaces();
    if (searched) runSearch(searched);
    else list(namespace);
  };

  return (
    <>
      <h1>Memory</h1>
      <div class="actions">
        <button
          type="button"
          onClick={() => {
            setEntry(undefined);
            setCreating(true);
          }}
        >
          New entry
        </button>
      </div>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      <div class="memory">
        <section aria-labelledby="ns-h">
          <h2 id="ns-h">Namespaces</h2>
          <ul class="namespaces">
            <li>
              <button
                type="button"
                aria-pressed={namespace === undefined}
                onClick={() => setNamespace(undefined)}
              >
                all
              </button>
            </li>
            {namespaces.map((n) => (
              <li key={n.namespace}>
                <button
                  type="button"
                  aria-pressed={namespace === n.namespace}
                  onClick={() => setNamespace(n.namespace)}
                >
                  {n.namespace} <span class="count">{n.count}</span>
                </button>
              </li>
            ))}
          </ul>
        </section>
        <section aria-labelledby="entries-h">
          <form role="search" onSubmit={search}>
            <label for="q">Search{namespace ? ` in ${namespace}` : ''}</label>
            <input
              id="q"
              type="search"
              value={query}
              maxLength={10_000}
              onInput={(e) => setQuery((e.target as HTMLInputElement).value)}
            />
            <button type="submit">Search</button>
          </form>
          <h2 id="entries-h">{heading}</h2>
          {rows && rows.length === 0 && <p>Nothing here.</p>}
          <ul class="entries">
            {rows?.map((r) => (
              <li key={`${r.namespace}\n${r.key}`}>
                <button type="button" class="link" onClick={() => open(r)}>
                  {r.namespace} / {r.key}
                </button>
                <span class="meta">
                  v{r.version}, {time(r.updatedAt)}
                </span>
                <p class="snippet">
                  <Snippet text={r.text} />
                </p>
              </li>
            ))}
          </ul>
        </section>
      </div>
      {creating && (
        <section class="entry">
          <EntryEditor
            namespace={namespace}
            onSaved={(saved) => {
              setCreating(false);
              setEntry(saved);
              refresh();
            }}
            onCancel={() => setCreating(false)}
          />
        </section>
      )}
      {entry && (
        <EntryView
          entry={entry}
          onChanged={(saved) => {
            setEntry(saved);
            refresh();
          }}
          onDeleted={() => {
            setEntry(undefined);
            refresh();
          }}
        />
      )}
    </>
  );
}
