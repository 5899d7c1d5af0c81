/**
 * Newline framing: bytes in, complete lines out. A line is one JSON-RPC message. The
 * framer never holds more than `maxLineBytes` of an unfinished line; past that it
 * reports an overflow and the caller closes the connection. `\r\n` is accepted.
 */

export type FrameResult = { lines: string[]; overflow: boolean };

export class LineFramer {
  private pending: Buffer[] = [];
  private pendingBytes = 0;

  constructor(private maxLineBytes: number) {}

  /** Applies to the line being read now as well: a limit lowered mid-line cuts it off. */
  setMaxLineBytes(n: number): void {
    this.maxLineBytes = n;
  }

  get maxBytes(): number {
    return this.maxLineBytes;
  }

  /** Bytes of a line started but not yet finished (0 between lines). */
  get pendingLineBytes(): number {
    return this.pendingBytes;
  }

  push(chunk: Buffer): FrameResult {
    const lines: string[] = [];
    let start = 0;
    let nl = chunk.indexOf(0x0a, start);
    while (nl !== -1) {
      const piece = chunk.subarray(start, nl);
      if (this.pendingBytes + piece.length > this.maxLineBytes) return { lines, overflow: true };
      let line: Buffer = piece;
      if (this.pending.length > 0) {
        this.pending.push(piece);
        line = Buffer.concat(this.pending, this.pendingBytes + piece.length);
        this.pending = [];
        this.pendingBytes = 0;
      }
      const end = line.length > 0 && line[line.length - 1] === 0x0d ? line.length - 1 : line.length;
      if (end > 0) lines.push(line.toString('utf8', 0, end));
      start = nl + 1;
      nl = chunk.indexOf(0x0a, start);
    }
    if (start < chunk.length) {
      const rest = chunk.subarray(start);
      if (this.pendingBytes + rest.length > this.maxLineBytes) return { lines, overflow: true };
      this.pending.push(rest);
      this.pendingBytes += rest.length;
    }
    return { lines, overflow: false };
  }
}
