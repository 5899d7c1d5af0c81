/**
 * A provider stand-in that never stops talking: one `node:http` server on 127.0.0.1 that
 * answers Anthropic Messages (`/v1/messages`), OpenAI Chat Completions
 * (`/v1/chat/completions`) and Ollama chat (`/api/chat`) with a streamed answer of
 * `totalBytes` (default 20 MB), written with backpressure, and stops as soon as the client
 * hangs up. `sent` says how many bytes of answer text each request got out, so a test can
 * see that the daemon stopped the call rather than reading it to the end.
 */
import { once } from 'node:events';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FloodProvider {
  /** http://127.0.0.1:<port> (OpenAI's baseURL adds `/v1`). */
  readonly url: string;
  /** Answer text bytes written to each request so far, in request order. */
  readonly sent: number[];
  /** Resolves when the request at this index has ended (finished or hung up). */
  ended(index: number): Promise<void>;
  stop(): Promise<void>;
}

/** 16 KiB of text with multi-byte characters in it, so a cap may fall inside one. */
const DELTA = 'é'.repeat(1024) + 'x'.repeat(16 * 1024 - 2048);

type Framing = { open: string[]; delta: (text: string) => string; close: string[] };

function sse(event: string | undefined, data: unknown): string {
  return `${event ? `event: ${event}\n` : ''}data: ${JSON.stringify(data)}\n\n`;
}

function framing(path: string): Framing | undefined {
  if (path.endsWith('/messages')) {
    return {
      open: [
        sse('message_start', {
          type: 'message_start',
          message: {
            id: 'msg_flood',
            type: 'message',
            role: 'assistant',
            model: 'flood',
            content: [],
            stop_reason: null,
            usage: { input_tokens: 1, output_tokens: 0 },
          },
        }),
        sse('content_block_start', {
          type: 'content_block_start',
          index: 0,
          content_block: { type: 'text', text: '' },
        }),
      ],
      delta: (text) =>
        sse('content_block_delta', {
          type: 'content_block_delta',
          index: 0,
          delta: { type: 'text_delta', text },
        }),
      close: [
        sse('content_block_stop', { type: 'content_block_stop', index: 0 }),
        sse('message_delta', {
          type: 'message_delta',
          delta: { stop_reason: 'end_turn' },
          usage: { output_tokens: 1 },
        }),
        sse('message_stop', { type: 'message_stop' }),
      ],
    };
  }
  if (path.endsWith('/chat/completions')) {
    const chunk = (delta: object, finish: string | null) => ({
      id: 'chatcmpl-flood',
      object: 'chat.completion.chunk',
      created: 1_700_000_000,
      model: 'flood',
      choices: [{ index: 0, delta, finish_reason: finish }],
    });
    return {
      open: [sse(undefined, chunk({ role: 'assistant', content: '' }, null))],
      delta: (text) => sse(undefined, chunk({ content: text }, null)),
      close: [sse(undefined, chunk({}, 'stop')), 'data: [DONE]\n\n'],
    };
  }
  if (path.endsWith('/api/chat')) {
    const line = (content: string, done: boolean) =>
      JSON.stringify({
        model: 'flood',
        message: { role: 'assistant', content },
        done,
        ...(done && { done_reason: 'stop', prompt_eval_count: 1, eval_count: 1 }),
      }) + '\n';
    return { open: [], delta: (text) => line(text, false), close: [line('', true)] };
  }
  return undefined;
}

export async function startFloodProvider(totalBytes = 20 * 1024 * 1024): Promise<FloodProvider> {
  const sent: number[] = [];
  const endings: Promise<void>[] = [];
  async function pour(res: ServerResponse, index: number, f: Framing): Promise<void> {
    let closed = false;
    const hungUp = once(res, 'close').then(() => (closed = true));
    const write = async (text: string) => {
      if (!res.write(text)) await Promise.race([once(res, 'drain'), hungUp]);
    };
    for (const part of f.open) await write(part);
    while (!closed && sent[index]! < totalBytes) {
      await write(f.delta(DELTA));
      sent[index]! += Buffer.byteLength(DELTA);
    }
    if (!closed) {
      for (const part of f.close) await write(part);
      res.end();
    }
  }
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const f = framing(req.url ?? '');
      if (!f) {
        res.writeHead(404).end();
        return;
      }
      const index = sent.push(0) - 1;
      const type = req.url!.endsWith('/api/chat') ? 'application/x-ndjson' : 'text/event-stream';
      res.writeHead(200, { 'content-type': type });
      endings[index] = pour(res, index, f).catch(() => {});
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    sent,
    ended: (index) => endings[index] ?? Promise.resolve(),
    stop: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
