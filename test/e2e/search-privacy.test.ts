/**
 * Search reveals nothing about entries the caller cannot see. Session B's `memory.search`
 * answers — scores, order, count, snippets, everything — must be byte for byte the same
 * whatever session A keeps privately: in fts, vector and hybrid mode, with A's entries
 * written before, between and after B's, updated, deleted and ended with A's session.
 *
 * The worlds are built two ways: one daemon before, during and after A's private
 * writes (nothing normalised), and two daemons fed the same visible writes, one of them
 * A's interleaved too (entry ids and B's session id differ between daemons and are
 * normalised; every daemon runs on the same fixed clock, so timestamps agree).
 *
 * Then the red team's prefix probe: B stores probe entries and reads its own scores to
 * learn, one character at a time, a word in A's private entry. Against FTS5's bm25 over
 * one shared index (what the daemon used to do) it recovers the word; here B's
 * observations are identical with and without A's entry, over the socket and through
 * `aistack mcp`.
 */
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import type { AistackClient } from '../../src/clients/client.js';
import { indexText } from '../../src/store/memory/fts-text.js';
import { cleanupAll, startDaemon, type TestDaemon } from '../helpers/daemon.js';
import { closeAllShims, daemonAndTwoShims, dataOf, textOf, type Shim } from '../helpers/mcp.js';
import { startOllamaStub, type ProviderStub } from '../helpers/provider-stubs.js';
import { waitFor } from '../helpers/wait.js';
import { openSession, type TestSession } from '../helpers/session.js';

const stubs: ProviderStub[] = [];
afterEach(async () => {
  await closeAllShims();
  await cleanupAll();
  while (stubs.length) await stubs.pop()!.stop();
});

/** Every daemon here runs on one fixed clock: timestamps are the same in every world. */
const clock = () => Date.UTC(2025, 0, 2, 3, 4, 5);

type Params = Record<string, unknown>;

/** A daemon with embeddings on (the hashed bag-of-words stand-in) and few vector candidates. */
async function embeddingDaemon(): Promise<{ d: TestDaemon; c: AistackClient }> {
  const stub = await startOllamaStub();
  stubs.push(stub);
  const d = await startDaemon({
    clock,
    config: {
      providers: { ollama: { baseURL: stub.url, timeoutMs: 5000, maxRetries: 0 } },
      memory: {
        embeddings: {
          enabled: true,
          provider: 'ollama',
          model: 'stub-embed',
          dimensions: 64,
          batchSize: 8,
          queryTimeoutMs: 5000,
        },
        // The fewest the index may keep: its candidate cut-off falls among B's entries.
        search: { vectorCandidates: 10 },
      },
    },
  });
  return { d, c: await d.client() };
}

/** Waits until every entry has its vector and the index has it too. */
async function settled(c: AistackClient): Promise<void> {
  await waitFor(
    async () => {
      const s = await c.call('memory.embeddingStatus');
      return s.idle && s.missing === 0 && s.indexReady && s.indexed === s.embedded;
    },
    'every entry embedded and indexed',
    { timeoutMs: 60_000, intervalMs: 20 },
  );
}

const DUPLICATE = 'duplicate reminder: zebra harbour permit';

/** What B may see: shared entries (written by B) and B's own, with 15 identical texts. */
const VISIBLE: Params[] = [
  {
    key: 'crossing',
    namespace: 'kb',
    content: 'zebra crossing near the old harbour',
    tags: ['roads'],
  },
  { key: 'fish', namespace: 'kb', content: 'zebrafish breed fast in warm water tanks' },
  { key: 'long', namespace: 'kb', content: `harbour ${'logistics schedule '.repeat(30)}zebra` },
  {
    key: 'zeal',
    namespace: 'team',
    content: 'zeal and zest: the harbour team plan',
    tags: ['roads'],
  },
  { key: 'cafe', namespace: 'team', content: 'Crème brûlée at the harbour café, zebra stripes' },
  { key: 'plan', content: 'my own plan: repaint the zebra crossing by the harbour' },
  { key: 'notes', content: 'private harbour notes, zebra counts, permit numbers' },
  ...Array.from({ length: 15 }, (_, i) => ({
    key: `dup${String(i + 1).padStart(2, '0')}`,
    content: DUPLICATE,
  })),
];

/** A's private entries: the same words, prefixes, texts and lengths, to move every statistic. */
const A_PRIVATE: Params[] = [
  ...Array.from({ length: 40 }, (_, i) => ({
    key: `a${i}`,
    content:
      i % 4 === 0
        ? DUPLICATE
        : i % 4 === 1
          ? `zebra zebra zebrafish zebu zeal ${'harbour '.repeat(i)}`
          : i % 4 === 2
            ? 'zebra crossing near the old harbour'
            : `secret zanzibar permit ${'padding words here '.repeat(20)}`,
    tags: i % 2 ? ['roads'] : [],
  })),
];

/** B's searches: one word, several, all and any, a prefix, one namespace, tags, pages. */
const PROBES: Params[] = [
  { query: 'zebra' },
  { query: 'harbour' },
  { query: 'zebra harbour' },
  { query: 'zebra harbour', match: 'any' },
  { query: 'zeb' },
  { query: 'crossing ha' },
  { query: 'permit zan', match: 'any' },
  { query: 'zebra', namespace: 'kb' },
  { query: 'zebra', tags: ['roads'] },
  { query: 'zebra', limit: 3, offset: 2 },
  { query: 'creme brulee' },
  { query: DUPLICATE },
  { query: DUPLICATE, limit: 1 },
  { query: DUPLICATE, limit: 3, offset: 1 },
];

const MODES = ['fts', 'vector', 'hybrid'] as const;

/**
 * Every answer B gets (and an anonymous caller gets, unless `anonymous` is false: with the
 * owner token it is the owner, who reads every project) to every probe in every mode.
 */
async function observe(
  c: AistackClient,
  B: TestSession,
  normalize = (s: string) => s,
  anonymous = true,
) {
  const out: string[] = [];
  for (const mode of MODES) {
    for (const probe of PROBES) {
      for (const creds of anonymous ? [B.creds, {}] : [B.creds]) {
        const answer = await c.call('memory.search', { ...probe, mode, ...creds } as never);
        out.push(
          `${mode} ${JSON.stringify(probe)} ${creds === B.creds ? 'B' : 'anon'}: ${normalize(JSON.stringify(answer))}`,
        );
      }
    }
  }
  return out;
}

async function writeAll(c: AistackClient, s: TestSession, entries: Params[]) {
  for (const e of entries) await c.call('memory.store', { ...e, ...s.creds } as never);
}

/**
 * B's VISIBLE writes in three parts; with `withA`, A's private writes come before, between
 * and after them, some of A's are deleted in between, and `alsoA` is written after those.
 */
async function interleave(o: {
  ca: AistackClient;
  A: TestSession;
  c: AistackClient;
  B: TestSession;
  withA: boolean;
  alsoA?: Params[];
}) {
  const { ca, A, c, B, withA } = o;
  const third = Math.ceil(VISIBLE.length / 3);
  if (withA) await writeAll(ca, A, A_PRIVATE.slice(0, 15));
  await writeAll(c, B, VISIBLE.slice(0, third));
  if (withA) await writeAll(ca, A, A_PRIVATE.slice(15, 30));
  await writeAll(c, B, VISIBLE.slice(third, 2 * third));
  if (withA) {
    for (let i = 0; i < 15; i += 2) await ca.call('memory.delete', { key: `a${i}`, ...A.creds });
    if (o.alsoA) await writeAll(ca, A, o.alsoA);
  }
  await writeAll(c, B, VISIBLE.slice(2 * third));
  if (withA) await writeAll(ca, A, A_PRIVATE.slice(30));
}

/** Only what legitimately differs between two daemons: entry ids, B's session id. */
const normalizer = (B: TestSession) => (s: string) =>
  s
    .replace(/"id":"[0-9a-f-]{36}"/g, '"id":"<id>"')
    .split(B.id)
    .join('<B>');

describe('search answers do not depend on what the caller cannot see', () => {
  it('B sees the same answers before, during and after A keeps private entries (one daemon)', async () => {
    const { d, c } = await embeddingDaemon();
    const ca = await d.client();
    const A = await openSession(ca);
    const B = await openSession(c);
    // One of A's entries comes first, so that its delete moves B's vectors in the index.
    await writeAll(ca, A, [{ key: 'first', content: 'an early private note' }]);
    await settled(c);
    await writeAll(c, B, VISIBLE);
    await settled(c);
    // dup01 changes and changes back: re-embedded, it now sits last in the index.
    await writeAll(c, B, [{ key: 'dup01', content: 'changed for a moment' }]);
    await settled(c);
    await writeAll(c, B, [{ key: 'dup01', content: DUPLICATE }]);
    await settled(c);
    const before = await observe(c, B);
    expect(before.length).toBe(MODES.length * PROBES.length * 2);
    // Sanity: the answers are not empty, and the duplicates rank by row.
    const top = await c.call('memory.search', {
      query: DUPLICATE,
      mode: 'vector',
      limit: 1,
      ...B.creds,
    });
    expect(top.results[0]!.entry.key).toBe('dup01');

    await ca.call('memory.delete', { key: 'first', ...A.creds });
    await settled(c);
    expect(await observe(c, B)).toEqual(before);

    await writeAll(ca, A, A_PRIVATE);
    await settled(c);
    // A's entries are there, and they are what B searches for.
    const mine = await ca.call('memory.search', {
      query: 'zebra',
      mode: 'fts',
      limit: 100,
      ...A.creds,
    });
    expect(mine.results.filter((r) => r.entry.namespace === A.namespace).length).toBe(30);
    expect(await observe(c, B)).toEqual(before);

    await writeAll(
      ca,
      A,
      A_PRIVATE.filter((_, i) => i % 3 === 0).map((e) => ({ ...e, content: 'zebra harbour' })),
    );
    for (const e of A_PRIVATE.filter((_, i) => i % 5 === 0)) {
      await ca.call('memory.delete', { key: e.key as string, ...A.creds });
    }
    await settled(c);
    expect(await observe(c, B)).toEqual(before);

    expect((await ca.call('session.end', A.creds)).deletedEntries).toBeGreaterThan(0);
    await settled(c);
    expect(await observe(c, B)).toEqual(before);
  });

  it("B sees the same answers from a daemon that never held A's entries (two daemons)", async () => {
    const worlds: string[][] = [];
    for (const withA of [false, true]) {
      const { d, c } = await embeddingDaemon();
      const ca = await d.client();
      const A = await openSession(ca);
      const B = await openSession(c);
      // A's private writes before, between and after B's; some later deleted.
      await interleave({ ca, A, c, B, withA });
      await settled(c);
      worlds.push(await observe(c, B, normalizer(B)));
      await d.stop();
    }
    expect(worlds[1]).toEqual(worlds[0]);
    expect(worlds[0]!.filter((o) => o.includes(' B: ') && o.includes('"count":0'))).toEqual([]);
  });

  it('B, bound to project beta, sees the same answers whether project alpha holds entries or not', async () => {
    const worlds: string[][] = [];
    for (const withA of [false, true]) {
      const { d, c } = await embeddingDaemon();
      const ca = await d.client();
      const start = async (client: AistackClient, root: string): Promise<TestSession> => {
        const { session } = await client.call('session.start', { project: { root } });
        return { ...session, creds: { sessionId: session.id, sessionToken: session.token } };
      };
      // A's project first, so that project rows exist (or not) before B's.
      const A = await start(ca, '/work/alpha');
      const B = await start(c, '/work/beta');
      expect(B.namespace).toMatch(/^session:/);
      // A's writes land in project:alpha (no namespace given), before, between and after
      // B's; and some of A's scratch, in its session namespace.
      const scratch = [{ key: 'scratch', content: DUPLICATE, scope: 'session' }];
      await interleave({ ca, A, c, B, withA, alsoA: scratch });
      await settled(c);
      if (withA) {
        const mine = await ca.call('memory.search', { query: 'zebra', mode: 'fts', ...A.creds });
        expect(mine.results.some((r) => r.entry.namespace === 'project:alpha')).toBe(true);
      }
      worlds.push(await observe(c, B, normalizer(B), false));
      await d.stop();
    }
    expect(worlds[1]).toEqual(worlds[0]);
    // B's own entries went to its project and are found.
    expect(worlds[0]!.filter((o) => o.includes('"count":0'))).toEqual([]);
    expect(worlds[0]!.some((o) => o.includes('project:beta'))).toBe(true);
  });
});

// ─── the prefix probe ──────────────────────────────────────────────────────────────

const SECRET = 'launch code for the vault: zanzibar';
const LETTERS = 'abcdefghijklmnopqrstuvwxyz';

/** One step of the probe: B stores `texts` as its own entries, then searches each. */
type Probe = (texts: string[]) => Promise<{ answer: string; score: number | undefined }[]>;

/**
 * The red team's attack: B knows A's code word starts with "z". For each next letter it
 * stores a probe word (all 26 first: a write between searches would move the old
 * index's averages), searches for each (a prefix search) and reads its own probe's
 * score; a letter whose probe scores lower than every other's is shared with some entry
 * B cannot see (a higher document frequency), so it extends the prefix by that letter.
 * Returns what it recovered and everything it observed.
 */
async function prefixAttack(probe: Probe, start = 'z', maxLength = 12) {
  let prefix = start;
  const observations: string[] = [];
  while (prefix.length < maxLength) {
    const seen = await probe([...LETTERS].map((letter) => prefix + letter));
    observations.push(...seen.map((s) => s.answer));
    const scores = seen.map((s) => s.score ?? Infinity);
    const lowest = Math.min(...scores);
    const found = [...LETTERS].filter((_, i) => scores[i] === lowest);
    if (found.length !== 1) break;
    prefix += found[0];
  }
  return { recovered: prefix, observations };
}

/**
 * The same probe against FTS5's bm25 over one index of everything (B's probes, A's
 * entry, a few others): the ranking the daemon had before, as a control.
 */
function globalIndexProbe(withSecret: boolean): Probe {
  return async (texts) => {
    const db = new Database(':memory:');
    db.exec(`CREATE VIRTUAL TABLE f USING fts5 (key, content, tags, content = '',
      tokenize = 'unicode61 remove_diacritics 2')`);
    const put = db.prepare('INSERT INTO f (rowid, key, content, tags) VALUES (?, ?, ?, ?)');
    if (withSecret) put.run(1, 'code', indexText(SECRET), '');
    // Other entries, as any store has (BM25 needs a few rows for its weights to differ).
    for (let i = 0; i < 20; i++) put.run(100 + i, `note${i}`, `an ordinary note number ${i}`, '');
    texts.forEach((text, i) => put.run(1000 + i, `probe-${i}`, text, ''));
    const search = db.prepare('SELECT rowid, -rank AS score FROM f WHERE f MATCH ? ORDER BY rank');
    const out = texts.map((text, i) => {
      const rows = search.all(`"${text}"*`) as { rowid: number; score: number }[];
      const mine = rows.filter((r) => r.rowid === 1000 + i);
      return { answer: JSON.stringify(mine), score: mine[0]?.score };
    });
    db.close();
    return out;
  };
}

/**
 * Entry ids are random per write, and a probe key stored again after its delete goes on
 * from its kept versions (B's own history); nothing else about B's own answers may differ.
 */
const withoutIds = (s: string) =>
  s.replace(/"id":"[0-9a-f-]{36}"/g, '"id":"<id>"').replace(/"version":\d+/g, '"version":"<v>"');

/** B's probe through the daemon: its own entries, searched, then deleted again. */
function daemonProbe(c: AistackClient, B: TestSession): Probe {
  return async (texts) => {
    for (const [i, text] of texts.entries()) {
      await c.call('memory.store', { key: `probe-${i}`, content: text, ...B.creds });
    }
    const out: { answer: string; score: number | undefined }[] = [];
    for (const [i, text] of texts.entries()) {
      const answer = await c.call('memory.search', { query: text, mode: 'fts', ...B.creds });
      out.push({
        answer: withoutIds(JSON.stringify(answer)),
        score: answer.results.find((r) => r.entry.key === `probe-${i}`)?.score,
      });
    }
    for (const i of texts.keys()) await c.call('memory.delete', { key: `probe-${i}`, ...B.creds });
    return out;
  };
}

describe('the prefix probe against private entries', () => {
  it('recovers a private word from a global index, and nothing through the daemon', async () => {
    // The control: one index for everything, as before. The attack works.
    const leaky = await prefixAttack(globalIndexProbe(true));
    expect(leaky.recovered).toBe('zanzibar');
    const leakyWithout = await prefixAttack(globalIndexProbe(false));
    expect(leakyWithout.observations).not.toEqual(leaky.observations.slice(0, 26));

    const d = await startDaemon({ clock });
    const ca = await d.client();
    const cb = await d.client();
    const A = await openSession(ca);
    const B = await openSession(cb);
    // Shared and B's own entries, some with z-words B may see.
    await cb.call('memory.store', {
      key: 'z',
      namespace: 'kb',
      content: 'zebra zeal zone',
      ...B.creds,
    });
    await cb.call('memory.store', { key: 'own', content: 'zoo trip notes', ...B.creds });
    for (let i = 0; i < 10; i++) {
      const note = { key: `n${i}`, namespace: 'kb', content: `an ordinary note ${i}` };
      await cb.call('memory.store', { ...note, ...B.creds });
    }

    const without = await prefixAttack(daemonProbe(cb, B));
    await ca.call('memory.store', { key: 'code', content: SECRET, ...A.creds });
    expect((await ca.call('memory.search', { query: 'zanzibar', ...A.creds })).count).toBe(1);
    const withSecret = await prefixAttack(daemonProbe(cb, B));
    expect(withSecret.observations).toEqual(without.observations);
    expect(withSecret.recovered).toBe(without.recovered);
    expect(withSecret.recovered).not.toContain('zan');

    // An attacker that already guessed right, one letter at a time along the secret,
    // sees nothing change either: every probe along the way, every letter, both worlds.
    const walk = async () => {
      const seen: string[] = [];
      const probe = daemonProbe(cb, B);
      for (let n = 1; n <= 'zanzibar'.length; n++) {
        const step = await probe([...LETTERS].map((l) => 'zanzibar'.slice(0, n) + l));
        seen.push(...step.map((s) => s.answer));
      }
      return seen;
    };
    const walkWith = await walk();
    await ca.call('memory.delete', { key: 'code', ...A.creds });
    expect(await walk()).toEqual(walkWith);
  });

  it('recovers nothing through aistack mcp either', async () => {
    const { a, b } = await daemonAndTwoShims({ clock });
    const normalize = (s: string) =>
      s
        .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, '<uuid>')
        .replace(/"version":\d+/g, '"version":"<v>"');
    const mcpProbe =
      (shim: Shim): Probe =>
      async (texts) => {
        for (const [i, text] of texts.entries()) {
          await shim.call('memory_store', { key: `probe-${i}`, content: text });
        }
        const out: { answer: string; score: number | undefined }[] = [];
        for (const [i, text] of texts.entries()) {
          const found = await shim.call('memory_search', { query: text, mode: 'fts' });
          const data = dataOf(found) as { results: { entry: { key: string }; score: number }[] };
          out.push({
            answer: normalize(`${JSON.stringify(data)}\n${textOf(found)}`),
            score: data.results.find((r) => r.entry.key === `probe-${i}`)?.score,
          });
        }
        for (const i of texts.keys()) await shim.call('memory_delete', { key: `probe-${i}` });
        return out;
      };
    await b.call('memory_store', { key: 'z', namespace: 'kb', content: 'zebra zeal zone' });
    for (let i = 0; i < 10; i++) {
      await b.call('memory_store', {
        key: `n${i}`,
        namespace: 'kb',
        content: `an ordinary note ${i}`,
      });
    }
    const without = await prefixAttack(mcpProbe(b));
    const stored = await a.call('memory_store', { key: 'code', content: SECRET });
    expect(stored.isError).toBeFalsy();
    // The secret is there, for A.
    expect(dataOf(await a.call('memory_search', { query: 'zanzibar' })).count).toBe(1);
    const withSecret = await prefixAttack(mcpProbe(b));
    expect(withSecret.observations).toEqual(without.observations);
    expect(withSecret.recovered).toBe(without.recovered);
    expect(withSecret.recovered).not.toContain('zan');
  }, 120_000); // several MCP shims, each a Node start: slow on a loaded machine
});
