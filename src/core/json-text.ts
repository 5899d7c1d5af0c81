/**
 * A result already serialized as JSON. A read pool worker renders a large answer (a
 * list page, an export page) itself, so the daemon's main thread copies one string from
 * the worker instead of cloning the objects and serializing them again: measured on
 * `memory.list` (20 entries), the clone alone cost about as much as the query. Dispatch
 * splices `text` into the reply line as is; `T` is the value the text stands for.
 */
export class JsonText<T = unknown> {
  /** Never set: only carries the type of the value for the compiler. */
  declare readonly value?: T;

  constructor(readonly text: string) {}

  /** The value again (for checks and for callers inside the daemon that need it). */
  parse(): T {
    return JSON.parse(this.text) as T;
  }

  /** For JSON.stringify (an HTTP answer): the value it stands for. */
  toJSON(): T {
    return this.parse();
  }
}
