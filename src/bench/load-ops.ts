/**
 * The operations the bench's clients send, over the typed socket client. They run in
 * the load worker (load-worker.ts), off the bench's main thread, so that what the
 * daemon's figure measures is the daemon and not a client starved of CPU.
 */
import type { AistackClient } from '../clients/client.js';

/** The inputs every run draws from, made once by the bench (deterministic corpus). */
export interface OpData {
  texts: string[];
  queries: string[];
  randomKeys: string[];
  offsets: number[];
  /** A search for the corpus's most common word, limit 100: the noisy neighbour's query. */
  heavyQuery: string;
}

export const OP_NAMES = [
  'memory.store',
  'memory.get',
  'memory.search',
  'memory.list',
  'memory.related',
  'system.ping',
  'heavy-search',
] as const;
export type OpName = (typeof OP_NAMES)[number];

export interface Credentials {
  sessionId: string;
  sessionToken: string;
}

const pick = <T>(items: T[], i: number): T => items[i % items.length]!;

/** The operation `name` from client `w`; `creds[w]` is that client's session (writes need one). */
export function makeOp(
  name: OpName,
  clients: AistackClient[],
  creds: Credentials[],
  data: OpData,
): (w: number) => Promise<unknown> {
  let n = 0;
  switch (name) {
    case 'memory.store':
      return (w) =>
        clients[w]!.call('memory.store', {
          key: `w${w}-${n % 5000}`,
          namespace: 'bench-w',
          content: pick(data.texts, n++),
          ...creds[w]!,
        });
    case 'memory.get':
      return (w) =>
        clients[w]!.call('memory.get', { key: pick(data.randomKeys, n++), namespace: 'bench' });
    case 'memory.search':
      return (w) =>
        clients[w]!.call('memory.search', { query: pick(data.queries, n++), limit: 10 });
    case 'memory.list':
      return (w) =>
        clients[w]!.call('memory.list', {
          namespace: 'bench',
          limit: 20,
          offset: pick(data.offsets, n++),
        });
    case 'memory.related':
      return (w) =>
        clients[w]!.call('memory.related', {
          key: pick(data.randomKeys, n++),
          namespace: 'bench',
          depth: 2,
        });
    case 'system.ping':
      return (w) => clients[w]!.call('system.ping');
    case 'heavy-search':
      return (w) => clients[w]!.call('memory.search', { query: data.heavyQuery, limit: 100 });
  }
}
