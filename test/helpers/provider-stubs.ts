/**
 * Stand-ins for the LLM providers: small `node:http` servers on 127.0.0.1 that speak
 * enough of the Anthropic Messages, OpenAI Chat Completions + Embeddings and Ollama
 * chat + embed APIs for the real SDKs to talk to them through `baseURL`.
 *
 * Each stub records every request (method, path, headers, parsed body) and follows a
 * scripted `mode`: answer normally, refuse the key (401), rate limit once then answer
 * (429 with `retry-after-ms: 1`), fail always (500), hang (never answer; `stop()`
 * destroys those sockets), or send a body the API would never send. Error bodies echo
 * the key they received, like the most careless real server, so tests prove the key
 * never reaches an error message anyway.
 *
 * Embeddings are deterministic bag-of-words vectors (`hashedEmbedding`): texts that
 * share words get similar vectors, so later tests can reason about vector search.
 * `stub.embed` swaps the function (`synonymEmbedding` also knows a few synonyms), and
 * `stub.delayMs` makes every answer slow.
 */
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type StubMode =
  | 'ok'
  | 'unauthorized'
  | 'rate-limit-once'
  | 'server-error'
  | 'hang'
  /** A body that is not JSON (or an event stream with a broken event). */
  | 'malformed'
  /** Valid JSON of the wrong shape; a stream that stops before its end event. */
  | 'wrong-shape';

export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: unknown;
}

export interface ProviderStub {
  /** The server root, http://127.0.0.1:<port>. */
  readonly url: string;
  /** What to give the provider as `baseURL` (OpenAI's includes `/v1`). */
  readonly baseURL: string;
  readonly requests: RecordedRequest[];
  mode: StubMode;
  replyText: string;
  /** Default embedding length when the request names none. */
  dimensions: number;
  /** How embeddings are made (default `hashedEmbedding`); tests may swap in another. */
  embed: (text: string, dimensions: number) => number[];
  /** Milliseconds to wait before answering any request (a slow provider). */
  delayMs: number;
  /** The key a request carried (`x-api-key`, or a bearer token). */
  keyOf(req: RecordedRequest): string | undefined;
  stop(): Promise<void>;
}

/** 32-bit FNV-1a. */
function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/** Words that mean the same, for `synonymEmbedding`; the first of each group stands for all. */
export const SYNONYMS: readonly (readonly string[])[] = [
  ['car', 'automobile', 'vehicle', 'sedan'],
  ['happy', 'joyful', 'cheerful', 'glad'],
  ['doctor', 'physician', 'medic'],
  ['buy', 'purchase', 'bought', 'acquire'],
  ['big', 'large', 'huge', 'enormous'],
  ['dog', 'puppy', 'canine', 'hound'],
  ['fast', 'quick', 'rapid', 'speedy'],
  ['start', 'begin', 'commence', 'launch'],
];

const CANONICAL = new Map(SYNONYMS.flatMap((group) => group.map((w) => [w, group[0]!] as const)));

/**
 * `hashedEmbedding` after replacing each word by the first word of its synonym group:
 * a deterministic stand-in for a model that knows "automobile" means "car", so a test
 * can show vector search finding what full-text search cannot.
 */
export function synonymEmbedding(text: string, dimensions = 64): number[] {
  const words = text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
  return hashedEmbedding(words.map((w) => CANONICAL.get(w) ?? w).join(' '), dimensions);
}

/**
 * Bag-of-words hashed into `dimensions` buckets (a sign bit per word evens out
 * collisions), L2-normalized. Texts sharing words have a high cosine similarity; texts
 * sharing none are near 0. Words are lower-cased runs of letters and digits.
 */
export function hashedEmbedding(text: string, dimensions = 64): number[] {
  const v = new Array<number>(dimensions).fill(0);
  for (const word of text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []) {
    const h = fnv1a(word);
    v[h % dimensions]! += (h >>> 16) & 1 ? -1 : 1;
  }
  const norm = Math.sqrt(v.reduce((s, x) => s + x * x, 0));
  return norm === 0 ? v : v.map((x) => x / norm);
}

export function cosineSimilarity(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i]! * b[i]!;
    na += a[i]! * a[i]!;
    nb += b[i]! * b[i]!;
  }
  return na && nb ? dot / Math.sqrt(na * nb) : 0;
}

const words = (text: string) => text.match(/\S+/g)?.length ?? 0;

/** The reply split into streaming deltas, spaces kept, so the deltas join to the text. */
const deltas = (text: string) => text.match(/\S+\s*|\s+/g) ?? [];

interface ChatBody {
  model?: string;
  system?: string;
  messages?: { content?: unknown }[];
  stream?: boolean;
  stream_options?: { include_usage?: boolean };
}

function promptTokens(body: ChatBody): number {
  const texts = [body.system ?? '', ...(body.messages ?? []).map((m) => String(m.content ?? ''))];
  return texts.reduce((n, t) => n + words(t), 0);
}

function inputs(body: { input?: unknown }): string[] {
  return Array.isArray(body.input) ? body.input.map(String) : [String(body.input ?? '')];
}

type Send = {
  json(status: number, body: unknown, headers?: Record<string, string>): void;
  raw(status: number, contentType: string, text: string): void;
  stream(contentType: string, chunks: string[]): void;
};

interface Dialect {
  /** Writes the normal answer (mode 'ok'), or the mode's odd body for malformed/wrong-shape. */
  routes: Record<string, (body: never, send: Send, stub: ProviderStub) => void>;
  errorBody(status: number, message: string): unknown;
  basePath: string;
}

function sse(events: { event?: string; data: unknown }[]): string[] {
  return events.map(
    (e) =>
      (e.event ? `event: ${e.event}\n` : '') +
      `data: ${typeof e.data === 'string' ? e.data : JSON.stringify(e.data)}\n\n`,
  );
}

async function startStub(dialect: Dialect): Promise<ProviderStub> {
  let mode: StubMode = 'ok';
  let rateLimited = false;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      let body: unknown = text;
      try {
        body = text ? JSON.parse(text) : undefined;
      } catch {
        /* recorded as text */
      }
      const recorded = {
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        body,
      };
      stub.requests.push(recorded);
      if (stub.delayMs > 0) setTimeout(() => respond(recorded, res), stub.delayMs);
      else respond(recorded, res);
    });
  });

  const sendFor = (res: ServerResponse): Send => ({
    json(status, body, headers = {}) {
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(JSON.stringify(body));
    },
    raw(status, contentType, text) {
      res.writeHead(status, { 'content-type': contentType });
      res.end(text);
    },
    stream(contentType, parts) {
      res.writeHead(200, { 'content-type': contentType, 'cache-control': 'no-cache' });
      for (const p of parts) res.write(p);
      res.end();
    },
  });

  function respond(req: RecordedRequest, res: ServerResponse): void {
    const send = sendFor(res);
    const key = stub.keyOf(req) ?? '(none)';
    const fast = { 'retry-after-ms': '1', 'retry-after': '0' };
    if (stub.mode === 'hang') return;
    if (stub.mode === 'unauthorized') {
      return send.json(401, dialect.errorBody(401, `invalid API key: ${key}`));
    }
    if (stub.mode === 'server-error') {
      return send.json(500, dialect.errorBody(500, `internal error for key ${key}`), fast);
    }
    if (stub.mode === 'rate-limit-once' && !rateLimited) {
      rateLimited = true;
      return send.json(429, dialect.errorBody(429, `slow down, ${key}`), fast);
    }
    const route = dialect.routes[req.path];
    if (req.method !== 'POST' || !route) {
      return send.json(404, dialect.errorBody(404, `no route ${req.method} ${req.path}`));
    }
    route((req.body ?? {}) as never, send, stub);
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const stub: ProviderStub = {
    url,
    baseURL: url + dialect.basePath,
    requests: [],
    replyText: 'Hello from the stub server.',
    dimensions: 64,
    embed: hashedEmbedding,
    delayMs: 0,
    get mode() {
      return mode;
    },
    set mode(m: StubMode) {
      mode = m;
      rateLimited = false;
    },
    keyOf(req) {
      const apiKey = req.headers['x-api-key'];
      if (typeof apiKey === 'string') return apiKey;
      return /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    },
    async stop() {
      server.closeAllConnections(); // includes requests left hanging on purpose
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return stub;
}

/** Anthropic Messages API: POST /v1/messages, JSON or SSE. */
export function startAnthropicStub(): Promise<ProviderStub> {
  return startStub({
    basePath: '',
    errorBody: (status, message) => ({
      type: 'error',
      error: {
        type:
          status === 401
            ? 'authentication_error'
            : status === 429
              ? 'rate_limit_error'
              : 'api_error',
        message,
      },
    }),
    routes: {
      '/v1/messages': (body: ChatBody, send, stub) => {
        const model = body.model ?? 'claude-stub';
        const input = promptTokens(body);
        const output = words(stub.replyText);
        if (!body.stream) {
          if (stub.mode === 'malformed') return send.raw(200, 'application/json', '{"id": "msg_');
          if (stub.mode === 'wrong-shape') return send.json(200, { hello: 'world' });
          return send.json(200, {
            id: 'msg_stub',
            type: 'message',
            role: 'assistant',
            model,
            content: [{ type: 'text', text: stub.replyText }],
            stop_reason: 'end_turn',
            stop_sequence: null,
            usage: { input_tokens: input, output_tokens: output },
          });
        }
        const start = {
          event: 'message_start',
          data: {
            type: 'message_start',
            message: {
              id: 'msg_stub',
              type: 'message',
              role: 'assistant',
              model,
              content: [],
              stop_reason: null,
              stop_sequence: null,
              usage: { input_tokens: input, output_tokens: 1 },
            },
          },
        };
        const blockStart = {
          event: 'content_block_start',
          data: {
            type: 'content_block_start',
            index: 0,
            content_block: { type: 'text', text: '' },
          },
        };
        const textDeltas = deltas(stub.replyText).map((text) => ({
          event: 'content_block_delta',
          data: { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text } },
        }));
        if (stub.mode === 'malformed') {
          return send.stream(
            'text/event-stream',
            sse([start, { event: 'content_block_delta', data: '{"type": "content_' }]),
          );
        }
        if (stub.mode === 'wrong-shape') {
          return send.stream(
            'text/event-stream',
            sse([start, blockStart, ...textDeltas.slice(0, 1)]),
          );
        }
        send.stream(
          'text/event-stream',
          sse([
            start,
            blockStart,
            { event: 'ping', data: { type: 'ping' } },
            ...textDeltas,
            { event: 'content_block_stop', data: { type: 'content_block_stop', index: 0 } },
            {
              event: 'message_delta',
              data: {
                type: 'message_delta',
                delta: { stop_reason: 'end_turn', stop_sequence: null },
                usage: { output_tokens: output },
              },
            },
            { event: 'message_stop', data: { type: 'message_stop' } },
          ]),
        );
      },
    },
  });
}

/** OpenAI: POST /v1/chat/completions (JSON or SSE ending `[DONE]`) and /v1/embeddings. */
export function startOpenAIStub(): Promise<ProviderStub> {
  return startStub({
    basePath: '/v1',
    errorBody: (status, message) => ({
      error: {
        message,
        type:
          status === 401
            ? 'invalid_request_error'
            : status === 429
              ? 'rate_limit_exceeded'
              : 'server_error',
        code: status === 401 ? 'invalid_api_key' : null,
        param: null,
      },
    }),
    routes: {
      '/v1/chat/completions': (body: ChatBody, send, stub) => {
        const model = body.model ?? 'gpt-stub';
        const usage = {
          prompt_tokens: promptTokens(body),
          completion_tokens: words(stub.replyText),
          total_tokens: promptTokens(body) + words(stub.replyText),
        };
        const base = { id: 'chatcmpl-stub', created: 1_700_000_000, model };
        if (!body.stream) {
          if (stub.mode === 'malformed') return send.raw(200, 'application/json', '{"choices": [');
          if (stub.mode === 'wrong-shape') return send.json(200, { hello: 'world' });
          return send.json(200, {
            ...base,
            object: 'chat.completion',
            choices: [
              {
                index: 0,
                message: { role: 'assistant', content: stub.replyText, refusal: null },
                finish_reason: 'stop',
                logprobs: null,
              },
            ],
            usage,
          });
        }
        const chunk = (delta: object, finish: string | null) => ({
          data: {
            ...base,
            object: 'chat.completion.chunk',
            choices: [{ index: 0, delta, finish_reason: finish, logprobs: null }],
          },
        });
        const textChunks = deltas(stub.replyText).map((content) => chunk({ content }, null));
        const first = chunk({ role: 'assistant', content: '' }, null);
        if (stub.mode === 'malformed') {
          return send.stream('text/event-stream', sse([first, { data: '{"id": "chatcmpl-' }]));
        }
        if (stub.mode === 'wrong-shape') {
          return send.stream('text/event-stream', sse([first, ...textChunks.slice(0, 1)]));
        }
        const tail = body.stream_options?.include_usage
          ? [{ data: { ...base, object: 'chat.completion.chunk', choices: [], usage } }]
          : [];
        send.stream(
          'text/event-stream',
          sse([first, ...textChunks, chunk({}, 'stop'), ...tail, { data: '[DONE]' }]),
        );
      },
      '/v1/embeddings': (
        body: { model?: string; input?: unknown; dimensions?: number; encoding_format?: string },
        send,
        stub,
      ) => {
        if (stub.mode === 'malformed') return send.raw(200, 'application/json', '{"data": [');
        if (stub.mode === 'wrong-shape') return send.json(200, { data: 'none' });
        const texts = inputs(body);
        const data = texts.map((t, index) => {
          const v = stub.embed(t, body.dimensions ?? stub.dimensions);
          const embedding =
            body.encoding_format === 'base64'
              ? Buffer.from(Float32Array.from(v).buffer).toString('base64')
              : v;
          return { object: 'embedding', index, embedding };
        });
        const tokens = texts.reduce((n, t) => n + words(t), 0);
        send.json(200, {
          object: 'list',
          data: data.reverse(), // out of order on purpose: clients must sort by index
          model: body.model ?? 'embedding-stub',
          usage: { prompt_tokens: tokens, total_tokens: tokens },
        });
      },
    },
  });
}

/** Ollama: POST /api/chat (JSON, or NDJSON when `stream` is not false) and /api/embed. */
export function startOllamaStub(): Promise<ProviderStub> {
  return startStub({
    basePath: '',
    errorBody: (_status, message) => ({ error: message }),
    routes: {
      '/api/chat': (body: ChatBody, send, stub) => {
        const model = body.model ?? 'llama-stub';
        const created_at = '2025-01-01T00:00:00Z';
        const final = {
          model,
          created_at,
          done: true,
          done_reason: 'stop',
          total_duration: 1_000_000,
          prompt_eval_count: promptTokens(body),
          eval_count: words(stub.replyText),
        };
        // Ollama streams unless told `stream: false`.
        if (body.stream === false) {
          if (stub.mode === 'malformed') return send.raw(200, 'application/json', '{"model": ');
          if (stub.mode === 'wrong-shape') return send.json(200, { hello: 'world' });
          return send.json(200, {
            ...final,
            message: { role: 'assistant', content: stub.replyText },
          });
        }
        const lines = deltas(stub.replyText).map(
          (content) =>
            JSON.stringify({
              model,
              created_at,
              message: { role: 'assistant', content },
              done: false,
            }) + '\n',
        );
        if (stub.mode === 'malformed') {
          return send.stream('application/x-ndjson', [lines[0] ?? '', '{"model": "llama\n']);
        }
        if (stub.mode === 'wrong-shape') {
          return send.stream('application/x-ndjson', lines.slice(0, 1));
        }
        const end =
          JSON.stringify({ ...final, message: { role: 'assistant', content: '' } }) + '\n';
        send.stream('application/x-ndjson', [...lines, end]);
      },
      '/api/embed': (
        body: { model?: string; input?: unknown; dimensions?: number },
        send,
        stub,
      ) => {
        if (stub.mode === 'malformed')
          return send.raw(200, 'application/json', '{"embeddings": [[');
        if (stub.mode === 'wrong-shape') return send.json(200, { embedding: [0.1, 0.2] });
        const texts = inputs(body);
        send.json(200, {
          model: body.model ?? 'embed-stub',
          embeddings: texts.map((t) => stub.embed(t, body.dimensions ?? stub.dimensions)),
          total_duration: 1_000_000,
          prompt_eval_count: texts.reduce((n, t) => n + words(t), 0),
        });
      },
    },
  });
}
