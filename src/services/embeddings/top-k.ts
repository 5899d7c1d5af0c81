/**
 * The k best of a stream, kept in a min-heap on typed arrays: no allocation per offer,
 * and the common case (below the k-th best) costs one comparison. Best means the higher
 * score, and among equal scores the lower `tie` (a row id): which items are kept and
 * their order depend only on the items offered, never on the order they came in, so a
 * search over the rows a caller may see cannot be swayed by where other rows happen to
 * sit in the index.
 */
export class TopK {
  private readonly scores: Float64Array;
  private readonly ties: Float64Array;
  private readonly items: Int32Array;
  private n = 0;

  constructor(private readonly k: number) {
    this.scores = new Float64Array(k);
    this.ties = new Float64Array(k);
    this.items = new Int32Array(k);
  }

  offer(score: number, item: number, tie: number): void {
    const { scores, ties, items, k } = this;
    if (this.n < k) {
      let j = this.n++;
      while (j > 0) {
        const parent = (j - 1) >> 1;
        // Stop once the parent is no better than the newcomer.
        if (scores[parent]! < score || (scores[parent] === score && ties[parent]! >= tie)) break;
        scores[j] = scores[parent]!;
        ties[j] = ties[parent]!;
        items[j] = items[parent]!;
        j = parent;
      }
      scores[j] = score;
      ties[j] = tie;
      items[j] = item;
      return;
    }
    // Only a newcomer better than the worst kept gets in.
    if (score < scores[0]! || (score === scores[0] && tie >= ties[0]!)) return;
    let j = 0;
    for (;;) {
      const left = 2 * j + 1;
      if (left >= k) break;
      const right = left + 1;
      const child =
        right < k &&
        (scores[right]! < scores[left]! ||
          (scores[right] === scores[left] && ties[right]! > ties[left]!))
          ? right
          : left;
      // Stop once the worse child is no worse than the newcomer.
      if (scores[child]! > score || (scores[child] === score && ties[child]! <= tie)) break;
      scores[j] = scores[child]!;
      ties[j] = ties[child]!;
      items[j] = items[child]!;
      j = child;
    }
    scores[j] = score;
    ties[j] = tie;
    items[j] = item;
  }

  drainBestFirst(): number[] {
    const order = Array.from({ length: this.n }, (_, i) => i);
    order.sort((a, b) => this.scores[b]! - this.scores[a]! || this.ties[a]! - this.ties[b]!);
    return order.map((i) => this.items[i]!);
  }
}
