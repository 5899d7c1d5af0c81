/**
 * Tokens, plugins and providers: scoped tokens (create with chosen scopes — the secret is
 * shown once, here, with a copy button, and is gone when this box is closed — and revoke,
 * asked first), each plugin's approval state and content hash, and each provider's key
 * fingerprint and age. The daemon never sends a provider key, only its fingerprint.
 */
import { useEffect, useState } from 'preact/hooks';
import { SCOPES, type Scope } from '../../src/protocol/scopes.js';
import type { ResultOf } from '../../src/protocol/table.js';
import { call } from './api.js';
import { ConfirmTable } from './confirm-table.js';
import { ago, time } from './format.js';

type Token = ResultOf<'token.list'>['tokens'][number];
type Plugins = ResultOf<'plugin.list'>;
type Providers = ResultOf<'provider.list'>;

function NewToken({ onCreated }: { onCreated: () => void }) {
  const [name, setName] = useState('');
  const [scopes, setScopes] = useState<Scope[]>(['memory:read']);
  const [days, setDays] = useState('');
  const [secret, setSecret] = useState<{ name: string; token: string } | undefined>();
  const [copied, setCopied] = useState(false);
  const [error, setError] = useState<string | undefined>();

  const create = (e: Event) => {
    e.preventDefault();
    setError(undefined);
    call('token.create', {
      name: name.trim(),
      scopes,
      ...(days.trim() && { expiresInDays: Number(days) }),
    }).then(
      (r) => {
        setSecret({ name: r.info.name, token: r.token });
        setCopied(false);
        setName('');
        onCreated();
      },
      (err: Error) => setError(err.message),
    );
  };
  const toggle = (s: Scope) =>
    setScopes(scopes.includes(s) ? scopes.filter((x) => x !== s) : [...scopes, s]);

  if (secret) {
    return (
      <div class="secret" role="status">
        <p>
          Token <strong>{secret.name}</strong> created. Copy it now: it is not shown again (the
          daemon keeps only its hash).
        </p>
        <code class="token">{secret.token}</code>
        <div class="actions">
          <button
            type="button"
            onClick={() =>
              void navigator.clipboard.writeText(secret.token).then(
                () => setCopied(true),
                () => setError('The browser refused the clipboard: select the token and copy it.'),
              )
            }
          >
            {copied ? 'Copied' : 'Copy'}
          </button>
          <button type="button" class="primary" onClick={() => setSecret(undefined)}>
            Done
          </button>
        </div>
        {error && <p class="error">{error}</p>}
      </div>
    );
  }
  return (
    <form class="editor" onSubmit={create} aria-labelledby="new-token-h">
      <h3 id="new-token-h">New token</h3>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      <label for="t-name">Token name</label>
      <input
        id="t-name"
        required
        maxLength={64}
        value={name}
        onInput={(e) => setName((e.target as HTMLInputElement).value)}
      />
      <fieldset>
        <legend>Scopes</legend>
        {(Object.keys(SCOPES) as Scope[]).map((s) => (
          <label key={s} class="inline" title={SCOPES[s]}>
            <input type="checkbox" checked={scopes.includes(s)} onChange={() => toggle(s)} />{' '}
            <code>{s}</code> <span class="muted">{SCOPES[s]}</span>
          </label>
        ))}
      </fieldset>
      <label for="t-days">Expires after (days, empty: never)</label>
      <input
        id="t-days"
        type="number"
        min={1}
        max={3650}
        value={days}
        onInput={(e) => setDays((e.target as HTMLInputElement).value)}
      />
      <div class="actions">
        <button type="submit" class="primary" disabled={scopes.length === 0}>
          Create token
        </button>
      </div>
    </form>
  );
}

export function Access() {
  const [tokens, setTokens] = useState<Token[] | undefined>();
  const [plugins, setPlugins] = useState<Plugins | undefined>();
  const [providers, setProviders] = useState<Providers | undefined>();
  const [error, setError] = useState<string | undefined>();
  const fail = (e: Error) => setError(e.message);

  const loadTokens = () => call('token.list', {}).then((r) => setTokens(r.tokens), fail);
  useEffect(() => {
    void loadTokens();
    call('plugin.list', {}).then(setPlugins, fail);
    call('provider.list', {}).then(setProviders, fail);
  }, []);

  const revoke = (t: Token) =>
    call('token.revoke', { name: t.name }).then(() => void loadTokens(), fail);

  return (
    <>
      <h1>Tokens, plugins and providers</h1>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      <section aria-labelledby="tokens-h">
        <h2 id="tokens-h">Tokens</h2>
        {tokens && tokens.length === 0 && <p>No scoped tokens yet.</p>}
        {tokens && tokens.length > 0 && (
          <ConfirmTable
            columns={['Name', 'Scopes', 'Fingerprint', 'Created', 'Last used', 'Expires']}
            rows={tokens}
            keyOf={(t) => t.name}
            cells={(t) => (
              <>
                <td>{t.name}</td>
                <td>{t.scopes.join(', ')}</td>
                <td>
                  <code>{t.fingerprint}</code>
                </td>
                <td>{time(t.createdAt)}</td>
                <td>{ago(t.lastUsedAt)}</td>
                <td>{t.expiresAt ? time(t.expiresAt) : 'never'}</td>
              </>
            )}
            action={(t) =>
              t.revokedAt
                ? `revoked ${ago(t.revokedAt)}`
                : {
                    label: 'Revoke',
                    question: `Revoke token ${t.name}? Connections using it lose their authority at once.`,
                    onConfirm: () => void revoke(t),
                  }
            }
          />
        )}
        <NewToken onCreated={() => void loadTokens()} />
      </section>
      <section aria-labelledby="plugins-h">
        <h2 id="plugins-h">Plugins</h2>
        {plugins && (
          <p>
            Plugins are {plugins.enabled ? 'on' : 'off'} (<code>plugins.enabled</code>); folder{' '}
            <code>{plugins.dir}</code>.
          </p>
        )}
        {plugins && plugins.plugins.length === 0 && <p>No plugins in that folder.</p>}
        {plugins && plugins.plugins.length > 0 && (
          <div class="scroll">
            <table>
              <thead>
                <tr>
                  <th scope="col">Plugin</th>
                  <th scope="col">State</th>
                  <th scope="col">Content hash</th>
                  <th scope="col">Approved</th>
                </tr>
              </thead>
              <tbody>
                {plugins.plugins.map((p) => (
                  <tr key={p.name}>
                    <td>
                      {p.name}
                      {p.version && ` ${p.version}`}
                    </td>
                    <td>
                      {p.state}
                      {p.reason && <span class="muted">: {p.reason}</span>}
                    </td>
                    <td>
                      <code class="hash">{p.hash ?? 'unreadable'}</code>
                    </td>
                    <td>
                      {p.approvedHash
                        ? `${p.approvedHash === p.hash ? 'this hash' : 'another hash'}, ${time(p.approvedAt)}`
                        : 'not approved'}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
      <section aria-labelledby="providers-h">
        <h2 id="providers-h">Providers</h2>
        {providers && providers.providers.length === 0 && <p>No providers configured.</p>}
        {providers && providers.providers.length > 0 && (
          <div class="scroll">
            <table>
              <thead>
                <tr>
                  <th scope="col">Provider</th>
                  <th scope="col">Model</th>
                  <th scope="col">Key fingerprint</th>
                  <th scope="col">Key first seen</th>
                </tr>
              </thead>
              <tbody>
                {providers.providers.map((p) => (
                  <tr key={p.name}>
                    <td>
                      {p.name}
                      {p.isDefault && ' (default)'}
                    </td>
                    <td>{p.model}</td>
                    <td>{p.hasKey ? <code>{p.keyFingerprint ?? '—'}</code> : 'no key'}</td>
                    <td>{p.keyFirstSeen ? `${ago(p.keyFirstSeen)}` : '—'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
    </>
  );
}
