/**
 * The dashboard's shell: the navigation, sign-out, and the page for the location hash
 * (#/ is the overview).
 */
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { Access } from './access.js';
import { signOut } from './api.js';
import { Audit } from './audit.js';
import { Memory } from './memory.js';
import { Overview } from './overview.js';
import { Sessions } from './sessions.js';
import './style.css';

const PAGES: Record<string, { title: string; view: () => preact.JSX.Element }> = {
  '#/': { title: 'Overview', view: () => <Overview /> },
  '#/memory': { title: 'Memory', view: () => <Memory /> },
  '#/sessions': { title: 'Sessions', view: () => <Sessions /> },
  '#/audit': { title: 'Audit', view: () => <Audit /> },
  '#/access': { title: 'Tokens & plugins', view: () => <Access /> },
};

function useHash(): string {
  const [hash, setHash] = useState(location.hash || '#/');
  useEffect(() => {
    const on = () => setHash(location.hash || '#/');
    addEventListener('hashchange', on);
    return () => removeEventListener('hashchange', on);
  }, []);
  return hash;
}

function App() {
  const hash = useHash();
  const page = PAGES[hash] ?? PAGES['#/']!;
  useEffect(() => {
    document.title = `${page.title} · aistack`;
  }, [page]);
  const out = () => signOut().finally(() => location.assign('/dashboard/'));
  return (
    <>
      <header>
        <span class="brand">aistack</span>
        <nav aria-label="Pages">
          {Object.entries(PAGES).map(([h, p]) => (
            <a key={h} href={h} aria-current={p === page ? 'page' : undefined}>
              {p.title}
            </a>
          ))}
        </nav>
        <button type="button" onClick={out}>
          Sign out
        </button>
      </header>
      <main>{page.view()}</main>
    </>
  );
}

render(<App />, document.getElementById('app')!);
