/**
 * The wire between the daemon and a plugin's host process: one JSON object per line,
 * requests on the child's stdin, replies on its stdout. Every line from the child is
 * size-checked before it is parsed and validated here before it is believed; a line
 * that fails either check means the plugin is misbehaving, and it is stopped.
 */
import { z } from 'zod';

const text = z.string().max(4000);
const code = z.string().max(100).optional();
const id = z.number().int().positive();

export const hostMessageSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('ready'), methods: z.array(z.string().max(100)).max(1000) }),
  z.strictObject({ type: z.literal('load-error'), message: text, code }),
  z.strictObject({ type: z.literal('result'), id, result: z.unknown() }),
  z.strictObject({ type: z.literal('error'), id, message: text, code }),
  /** Something the host's lockdown refused the plugin, whether or not the plugin caught it. */
  z.strictObject({ type: z.literal('denied'), what: z.string().max(200) }),
]);

export type HostMessage = z.output<typeof hostMessageSchema>;

export interface HostRequest {
  id: number;
  method: string;
  params: Record<string, unknown>;
  /** Which session is calling (never its token); null for a call without a session. */
  context: { sessionId: string | null };
}

/**
 * Splits a byte stream into lines and refuses any line (or unterminated tail) longer
 * than `maxBytes`, so a plugin cannot make the daemon buffer without bound.
 */
export class LineSplitter {
  private chunks: Buffer[] = [];
  private size = 0;

  constructor(private readonly maxBytes: number) {}

  /** The complete lines in `chunk`, or 'overflow'. */
  push(chunk: Buffer): string[] | 'overflow' {
    const lines: string[] = [];
    let start = 0;
    for (let nl = chunk.indexOf(10); nl >= 0; nl = chunk.indexOf(10, start)) {
      const part = chunk.subarray(start, nl);
      if (this.size + part.length > this.maxBytes) return 'overflow';
      this.chunks.push(part);
      lines.push(Buffer.concat(this.chunks).toString('utf8'));
      this.chunks = [];
      this.size = 0;
      start = nl + 1;
    }
    const rest = chunk.subarray(start);
    if (this.size + rest.length > this.maxBytes) return 'overflow';
    if (rest.length > 0) {
      this.chunks.push(rest);
      this.size += rest.length;
    }
    return lines;
  }
}
