/**
 * Deterministic embeddings for the benchmark, generated locally: every vocabulary word
 * gets a fixed dense random vector, and a text's embedding is the normalized sum of its
 * words' vectors, rarer words weighing more (like IDF). Texts that share words point
 * the same way, as with a real model, and queries of one or two words land near the
 * entries that use them. A tiny HTTP server answers Ollama's POST /api/embed with the
 * same function, so the daemon embeds its queries exactly as the corpus was embedded.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { rng } from './corpus.js';

export class BenchEmbedder {
  private readonly table: Float32Array;
  private readonly index = new Map<string, number>();

  constructor(
    private readonly vocabulary: readonly string[],
    readonly dimensions = 384,
    seed = 7,
  ) {
    const random = rng(seed);
    // Row r is word r's vector, already scaled by its weight (rank r = Zipf rank).
    this.table = new Float32Array(vocabulary.length * dimensions);
    for (let i = 0; i < this.table.length; i++) {
      this.table[i] = (random() * 2 - 1) * Math.log(2 + Math.floor(i / dimensions));
    }
    vocabulary.forEach((w, i) => this.index.set(w.toLowerCase(), i));
  }

  embed(text: string): Float32Array {
    const d = this.dimensions;
    const counts = new Map<number, number>();
    for (const word of text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []) {
      // Words outside the vocabulary still count, hashed onto one of its rows.
      const rank = this.index.get(word) ?? hash(word) % this.vocabulary.length;
      counts.set(rank, (counts.get(rank) ?? 0) + 1);
    }
    const v = new Float32Array(d);
    for (const [rank, count] of counts) {
      const at = rank * d;
      for (let j = 0; j < d; j++) v[j]! += count * this.table[at + j]!;
    }
    let norm = 0;
    for (let j = 0; j < d; j++) norm += v[j]! * v[j]!;
    norm = Math.sqrt(norm) || 1;
    for (let j = 0; j < d; j++) v[j]! /= norm;
    return v;
  }
}

function hash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

/** An Ollama-shaped embedding server on 127.0.0.1 (POST /api/embed) backed by `embedder`. */
export async function startEmbedServer(
  embedder: BenchEmbedder,
  model: string,
): Promise<{ url: string; requests: () => number; stop: () => Promise<void> }> {
  let requests = 0;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      requests++;
      let body: { input?: unknown };
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { input?: unknown };
      } catch {
        res.writeHead(400).end('{"error":"bad json"}');
        return;
      }
      if (req.url !== '/api/embed' || req.method !== 'POST') {
        res.writeHead(404).end('{"error":"not found"}');
        return;
      }
      const input = Array.isArray(body.input) ? body.input.map(String) : [String(body.input)];
      const embeddings = input.map((t) => Array.from(embedder.embed(t)));
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ model, embeddings }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests: () => requests,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Indices of the k largest of `scores`, best first. */
export function topK(scores: Float32Array, k: number): number[] {
  const best: number[] = [];
  let floor = -Infinity;
  for (let i = 0; i < scores.length; i++) {
    const s = scores[i]!;
    if (best.length >= k && s <= floor) continue;
    best.push(i);
    best.sort((a, b) => scores[b]! - scores[a]!);
    if (best.length > k) best.pop();
    floor = scores[best.at(-1)!]!;
  }
  return best;
}
