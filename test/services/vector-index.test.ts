import { describe, expect, it } from 'vitest';
import { rng } from '../../src/bench/corpus.js';
import { VectorIndex } from '../../src/services/embeddings/vector-index.js';
import { cosine } from '../../src/services/embeddings/vector-search.js';
import { scopeAllows } from '../../src/store/memory/memory-scope.js';

function randomVectors(n: number, dims: number, seed = 1): Float32Array[] {
  const r = rng(seed);
  return Array.from({ length: n }, () => Float32Array.from({ length: dims }, () => r() * 2 - 1));
}

/** A vector near `v`: `v` plus a little noise. */
function near(v: Float32Array, noise: number, seed: number): Float32Array {
  const r = rng(seed);
  return v.map((x) => x + (r() * 2 - 1) * noise);
}

const everything = () => true;

describe('VectorIndex', () => {
  it('puts the nearest vectors among its top candidates (recall of the exact top 10 ≥ 0.9)', () => {
    const dims = 384;
    const vectors = randomVectors(5000, dims);
    const index = new VectorIndex(dims, 16);
    vectors.forEach((v, i) => index.set(i + 1, 'shared', v));
    expect(index.size).toBe(5000);
    let found = 0;
    const queries = 20;
    for (let q = 0; q < queries; q++) {
      const query = near(vectors[q * 97]!, 0.8, q);
      const exact = vectors
        .map((v, i) => ({ rowid: i + 1, score: cosine(query, v) }))
        .sort((a, b) => b.score - a.score)
        .slice(0, 10)
        .map((h) => h.rowid);
      const candidates = new Set(index.search(query, 200, everything));
      found += exact.filter((rowid) => candidates.has(rowid)).length;
    }
    expect(found / (queries * 10)).toBeGreaterThanOrEqual(0.9);
  });

  it('reranks the candidates by cosine within 1% of the float32 one (recall@10 ≥ 0.95)', () => {
    const dims = 384;
    const vectors = randomVectors(3000, dims, 8);
    const index = new VectorIndex(dims);
    vectors.forEach((v, i) => index.set(i + 1, 'shared', v));
    let found = 0;
    for (let q = 0; q < 20; q++) {
      const query = near(vectors[q * 101]!, 0.8, 100 + q);
      const exact = vectors
        .map((v, i) => ({ rowid: i + 1, score: cosine(query, v) }))
        .sort((a, b) => b.score - a.score);
      const hits = index.nearest(query, 10, 300, everything);
      expect(hits).toHaveLength(10);
      for (const h of hits) {
        expect(Math.abs(h.cosine - cosine(query, vectors[h.rowid - 1]!))).toBeLessThan(0.01);
      }
      const top = new Set(exact.slice(0, 10).map((h) => h.rowid));
      found += hits.filter((h) => top.has(h.rowid)).length;
    }
    expect(found / 200).toBeGreaterThanOrEqual(0.95);
  });

  it('ranks the query itself first and returns at most the count asked, best first', () => {
    const vectors = randomVectors(300, 64, 2);
    const index = new VectorIndex(64);
    vectors.forEach((v, i) => index.set(100 + i, 'ns', v));
    const hits = index.search(vectors[42]!, 5, everything);
    expect(hits).toHaveLength(5);
    expect(hits[0]).toBe(142);
    expect(index.search(vectors[0]!, 1000, everything)).toHaveLength(300);
  });

  it('never offers entries of a namespace the caller may not see', () => {
    const vectors = randomVectors(400, 32, 3);
    const index = new VectorIndex(32);
    const namespaces = ['shared', 'session:a', 'session:b', 'other'];
    vectors.forEach((v, i) => index.set(i + 1, namespaces[i % 4]!, v));
    const nsOf = (rowid: number) => namespaces[(rowid - 1) % 4]!;
    for (const scope of [
      {},
      { ownNamespace: 'session:a' },
      { ownNamespace: 'session:b' },
      { namespace: 'other' },
      { namespace: 'session:b' },
    ]) {
      for (const q of vectors.slice(0, 20)) {
        const hits = index.search(q, 400, (ns) => scopeAllows(scope, ns));
        expect(hits.length).toBeGreaterThan(0);
        for (const rowid of hits) expect(scopeAllows(scope, nsOf(rowid))).toBe(true);
      }
    }
    const anonymous = new Set(index.search(vectors[1]!, 400, (ns) => scopeAllows({}, ns)));
    expect([...anonymous].some((r) => nsOf(r).startsWith('session:'))).toBe(false);
    expect(anonymous.size).toBe(200);
  });

  it('honours an allow-list of rowids (tag and agent filters)', () => {
    const vectors = randomVectors(200, 32, 4);
    const index = new VectorIndex(32);
    vectors.forEach((v, i) => index.set(i + 1, 'ns', v));
    const allowed = new Set([3, 50, 77, 199]);
    expect(new Set(index.search(vectors[0]!, 100, everything, allowed))).toEqual(allowed);
  });

  it('forgets deleted rowids, replaced vectors and whole namespaces, keeping the rest intact', () => {
    const vectors = randomVectors(100, 32, 5);
    const index = new VectorIndex(32, 4); // grows several times
    vectors.forEach((v, i) => index.set(i + 1, i < 50 ? 'session:x' : 'keep', v));
    expect(index.delete(7)).toBe(true);
    expect(index.delete(7)).toBe(false);
    expect(index.has(7)).toBe(false);
    expect(index.deleteNamespace('session:x')).toBe(49);
    expect(index.size).toBe(50);
    // The moved slots still answer for their own rowids, codes and int8 copies alike.
    for (let i = 50; i < 100; i++) {
      expect(index.search(vectors[i]!, 1, everything)).toEqual([i + 1]);
      const [hit] = index.nearest(vectors[i]!, 1, 10, everything);
      expect(hit!.rowid).toBe(i + 1);
      expect(hit!.cosine).toBeCloseTo(1, 2);
    }
    // Replacing a vector moves the entry to where the new one points.
    index.set(
      60,
      'keep',
      vectors[99]!.map((x) => -x),
    );
    expect(index.search(vectors[59]!, 1, everything)).not.toEqual([60]);
    expect(index.size).toBe(50);
    expect(() => index.set(1, 'keep', new Float32Array(31))).toThrow(/31-dimensional/);
  });

  it('handles sizes that are not a multiple of 32 bits', () => {
    const vectors = randomVectors(50, 45, 6);
    const index = new VectorIndex(45);
    vectors.forEach((v, i) => index.set(i + 1, 'ns', v));
    vectors.forEach((v, i) => expect(index.search(v, 1, everything)).toEqual([i + 1]));
  });
});
