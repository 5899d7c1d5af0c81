/**
 * The read pool's waiting line: one FIFO per key (a connection), served round-robin, so
 * a connection that queues 200 lists waits behind itself and a single search from
 * another connection is next in line as soon as a worker frees up. The total is bounded:
 * past `max` a new item is refused (the pool answers BUSY), so one client cannot grow the
 * daemon's memory by queueing without end.
 */

export class FairQueue<T> {
  /** Keys with something waiting, in the order they are served next (a Map keeps insertion order). */
  private readonly lines = new Map<string | number, T[]>();
  private count = 0;

  constructor(readonly max: number) {}

  get size(): number {
    return this.count;
  }

  /** How many items `key` has waiting. */
  waiting(key: string | number): number {
    return this.lines.get(key)?.length ?? 0;
  }

  /** Adds `item` at the end of `key`'s line; false (nothing added) when the queue is full. */
  push(key: string | number, item: T): boolean {
    if (this.count >= this.max) return false;
    const line = this.lines.get(key);
    if (line) line.push(item);
    else this.lines.set(key, [item]);
    this.count++;
    return true;
  }

  /**
   * The next item: the head of the line whose turn it is. That line then goes to the back
   * of the rotation (or leaves it when empty), so every key with work gets one item per
   * round, however much each has queued.
   */
  shift(): T | undefined {
    for (const [key, line] of this.lines) {
      const item = line.shift();
      this.lines.delete(key);
      if (item === undefined) continue;
      if (line.length > 0) this.lines.set(key, line);
      this.count--;
      return item;
    }
    return undefined;
  }

  /** Takes `item` out of `key`'s line (a caller gave up waiting); false if it was not there. */
  remove(key: string | number, item: T): boolean {
    const line = this.lines.get(key);
    const at = line?.indexOf(item) ?? -1;
    if (!line || at < 0) return false;
    line.splice(at, 1);
    if (line.length === 0) this.lines.delete(key);
    this.count--;
    return true;
  }

  /** Empties the queue and returns everything that was in it. */
  drain(): T[] {
    const all = [...this.lines.values()].flat();
    this.lines.clear();
    this.count = 0;
    return all;
  }
}
