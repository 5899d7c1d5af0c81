/**
 * A deterministic corpus for the benchmark: pseudo-words with Zipf-distributed
 * frequencies (a few very common, a long tail of rare ones, as in real text), entries
 * of 300–600 characters, and queries drawn from the mid-frequency words people
 * actually search for.
 */

/** mulberry32: a small, fast, seedable PRNG, so every run sees the same data. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SYLLABLES = [
  'ka',
  'lo',
  'mi',
  'ne',
  'ru',
  'sa',
  'ti',
  'vo',
  'ze',
  'pa',
  'qu',
  'is',
  'en',
  'or',
  'al',
  'um',
  'ex',
  'yo',
  'bri',
  'dan',
  'gel',
  'hor',
  'jum',
  'kest',
];

export class Corpus {
  readonly vocabulary: string[];
  private readonly cdf: Float64Array;
  private readonly random: () => number;

  constructor(seed = 42, vocabularySize = 20_000, exponent = 1.07) {
    this.random = rng(seed);
    const seen = new Set<string>();
    this.vocabulary = [];
    while (this.vocabulary.length < vocabularySize) {
      const n = 1 + Math.floor(this.random() * 4);
      let w = '';
      for (let i = 0; i < n; i++) w += SYLLABLES[Math.floor(this.random() * SYLLABLES.length)];
      if (!seen.has(w)) {
        seen.add(w);
        this.vocabulary.push(w);
      }
    }
    this.cdf = new Float64Array(vocabularySize);
    let sum = 0;
    for (let r = 0; r < vocabularySize; r++) {
      sum += 1 / Math.pow(r + 1, exponent);
      this.cdf[r] = sum;
    }
    for (let r = 0; r < vocabularySize; r++) this.cdf[r]! /= sum;
  }

  /** A word by Zipf rank. */
  word(): string {
    const u = this.random();
    let lo = 0;
    let hi = this.cdf.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.cdf[mid]! < u) lo = mid + 1;
      else hi = mid;
    }
    return this.vocabulary[lo]!;
  }

  text(): string {
    const target = 300 + Math.floor(this.random() * 300);
    let out = '';
    while (out.length < target) {
      const w = this.word();
      out +=
        out.length === 0
          ? w[0]!.toUpperCase() + w.slice(1)
          : this.random() < 0.08
            ? `. ${w}`
            : ` ${w}`;
    }
    return out.slice(0, 600) + '.';
  }

  /** One or two mid-frequency words (ranks 100–5000), as a user would type them. */
  query(): string {
    const pick = () => this.vocabulary[100 + Math.floor(this.random() * 4900)]!;
    return this.random() < 0.5 ? pick() : `${pick()} ${pick()}`;
  }

  int(n: number): number {
    return Math.floor(this.random() * n);
  }
}
