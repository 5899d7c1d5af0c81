/**
 * The k highest scores of a stream, kept in a min-heap on typed arrays: no allocation
 * per offer, and the common case (a score below the k-th best) costs one comparison.
 */
export class TopK {
  private readonly scores: Float64Array;
  private readonly items: Int32Array;
  private n = 0;

  constructor(private readonly k: number) {
    this.scores = new Float64Array(k);
    this.items = new Int32Array(k);
  }

  offer(score: number, item: number): void {
    const { scores, items, k } = this;
    if (this.n < k) {
      let j = this.n++;
      while (j > 0) {
        const parent = (j - 1) >> 1;
        if (scores[parent]! <= score) break;
        scores[j] = scores[parent]!;
        items[j] = items[parent]!;
        j = parent;
      }
      scores[j] = score;
      items[j] = item;
      return;
    }
    if (score <= scores[0]!) return;
    let j = 0;
    for (;;) {
      const left = 2 * j + 1;
      if (left >= k) break;
      const right = left + 1;
      const child = right < k && scores[right]! < scores[left]! ? right : left;
      if (scores[child]! >= score) break;
      scores[j] = scores[child]!;
      items[j] = items[child]!;
      j = child;
    }
    scores[j] = score;
    items[j] = item;
  }

  drainBestFirst(): number[] {
    const order = Array.from({ length: this.n }, (_, i) => i);
    order.sort((a, b) => this.scores[b]! - this.scores[a]!);
    return order.map((i) => this.items[i]!);
  }
}
