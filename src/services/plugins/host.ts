/**
 * The plugin host: the first code that runs in a plugin's child process. It closes the
 * doors the permission model leaves open, loads the plugin's entry module, and answers
 * calls from the daemon — one JSON object per line, requests on stdin, replies on
 * stdout. Anything the plugin itself prints goes to stderr, so it cannot forge a reply.
 *
 * Self-contained on purpose: it imports only `node:` builtins, because under the
 * permission model this process may read nothing but this file and the plugin folder.
 *
 * What the permission model (started by process.ts) already denies: reading outside
 * the plugin folder, writing anywhere, child processes, workers, native addons, WASI,
 * the inspector, `process.binding`. What it does not cover in Node 20, closed here
 * before the plugin's code runs: connecting to or listening on Unix sockets (the
 * daemon's own socket among them), signalling other processes (SIGUSR1 would open the
 * daemon's inspector), changing another process's priority, trace files written to
 * the working directory, V8 flags, and (newer Node) the built-in node:sqlite.
 *
 * Node documents its permission model as a seat belt, not a guarantee against hostile
 * code; the hash approval is what decides which code runs at all.
 */
import { createRequire, syncBuiltinESMExports } from 'node:module';
import { pathToFileURL } from 'node:url';

interface Request {
  id: number;
  method: string;
  params: Record<string, unknown>;
  context: { sessionId: string | null };
}

type PluginFn = (params: Record<string, unknown>, context: Request['context']) => unknown;

const [entryPath = '', maxBytesArg = ''] = process.argv.slice(2);
const maxMessageBytes = Number(maxBytesArg) > 0 ? Number(maxBytesArg) : 1024 * 1024;

// Blocking pipes: a plugin that prints in a tight loop then waits on the daemon, which
// reads, counts and stops it, instead of queueing its output in memory without end.
for (const stream of [process.stdout, process.stderr]) {
  (stream as unknown as { _handle?: { setBlocking?(on: boolean): void } })._handle?.setBlocking?.(
    true,
  );
}

// Captured before the plugin runs; afterwards stdout writes land on stderr.
const protocolOut = process.stdout.write.bind(process.stdout);
process.stdout.write = process.stderr.write.bind(process.stderr) as typeof process.stdout.write;

function post(message: Record<string, unknown>, then?: () => void): void {
  protocolOut(JSON.stringify(message) + '\n', then);
}

function denied(what: string): Error {
  const err = new Error(`${what} is not allowed in an aistack plugin`) as NodeJS.ErrnoException;
  err.code = 'ERR_ACCESS_DENIED';
  return err;
}

function lockDown(): void {
  const require = createRequire(import.meta.url);
  const proc = process as unknown as Record<string, unknown>;
  proc.kill = () => {
    throw denied('signalling processes');
  };
  // The raw bindings behind process.kill and the inspector signal.
  for (const key of ['_kill', '_debugProcess', '_debugEnd']) delete proc[key];

  const net = require('node:net') as typeof import('node:net');
  const connect = net.Socket.prototype.connect;
  net.Socket.prototype.connect = function (this: unknown, ...args: unknown[]) {
    // Node passes either (options|path|port, …) or one pre-normalized array.
    const list = Array.isArray(args[0]) ? [...(args[0] as unknown[])] : args;
    const first = list[0];
    if (first !== null && typeof first === 'object') {
      // A copy, so a getter cannot answer "no path" here and a path to Node later.
      const options = { ...(first as Record<string, unknown>) };
      if (options.path) throw denied('connecting to a Unix socket');
      list[0] = options;
    } else if (typeof first === 'string' && !/^\d+$/.test(first)) {
      throw denied('connecting to a Unix socket');
    }
    return (connect as (...a: unknown[]) => unknown).apply(this, list);
  } as typeof connect;
  net.Server.prototype.listen = function () {
    throw denied('listening for connections');
  };

  const os = require('node:os') as Record<string, unknown>;
  os.setPriority = () => {
    throw denied('changing process priority');
  };
  const trace = require('node:trace_events') as Record<string, unknown>;
  trace.createTracing = () => {
    throw denied('trace events');
  };
  const v8 = require('node:v8') as Record<string, unknown>;
  v8.setFlagsFromString = () => {
    throw denied('changing V8 flags');
  };
  try {
    // Newer Node has SQLite built in, and the permission model does not cover it.
    const sqlite = require('node:sqlite') as Record<string, unknown>;
    for (const key of Object.keys(sqlite))
      sqlite[key] = () => {
        throw denied('node:sqlite');
      };
  } catch {
    /* Node 20: no node:sqlite */
  }
  // So `import { setPriority } from 'node:os'` sees the replacements too.
  syncBuiltinESMExports();
}

function errorFields(err: unknown): { message: string; code?: string } {
  const message = (err instanceof Error ? err.message : String(err)).slice(0, 2000);
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? { message, code: code.slice(0, 100) } : { message };
}

function reply(id: number, outcome: { result: unknown } | { error: unknown }): void {
  let line: string;
  try {
    line =
      'result' in outcome
        ? JSON.stringify({ type: 'result', id, result: outcome.result ?? null })
        : JSON.stringify({ type: 'error', id, ...errorFields(outcome.error) });
  } catch {
    line = JSON.stringify({ type: 'error', id, message: 'the result is not JSON-serializable' });
  }
  if (Buffer.byteLength(line) >= maxMessageBytes) {
    line = JSON.stringify({
      type: 'error',
      id,
      message: `the result is larger than ${maxMessageBytes} bytes`,
    });
  }
  protocolOut(line + '\n');
}

function parseRequest(line: string): Request | undefined {
  try {
    const r = JSON.parse(line) as Request;
    return Number.isInteger(r.id) && typeof r.method === 'string' ? r : undefined;
  } catch {
    return undefined;
  }
}

function serve(methods: Record<string, unknown>): void {
  let buffered = '';
  process.stdin.setEncoding('utf8');
  process.stdin.on('data', (chunk: string) => {
    buffered += chunk;
    for (let nl = buffered.indexOf('\n'); nl >= 0; nl = buffered.indexOf('\n')) {
      const request = parseRequest(buffered.slice(0, nl));
      buffered = buffered.slice(nl + 1);
      if (!request) continue;
      const fn = Object.hasOwn(methods, request.method) ? methods[request.method] : undefined;
      if (typeof fn !== 'function') {
        reply(request.id, { error: new Error(`no method ${request.method}`) });
        continue;
      }
      Promise.resolve()
        .then(() => (fn as PluginFn).call(methods, request.params, request.context))
        .then(
          (result) => reply(request.id, { result }),
          (error: unknown) => reply(request.id, { error }),
        );
    }
  });
  // The daemon went away: so do we.
  process.stdin.on('end', () => process.exit(0));
}

async function main(): Promise<void> {
  if (!(process as { permission?: unknown }).permission) {
    post({ type: 'load-error', message: 'the Node.js permission model is not active' }, () =>
      process.exit(1),
    );
    return;
  }
  lockDown();
  let mod: Record<string, unknown>;
  try {
    mod = (await import(pathToFileURL(entryPath).href)) as Record<string, unknown>;
  } catch (err) {
    post({ type: 'load-error', ...errorFields(err) }, () => process.exit(1));
    return;
  }
  const methods = (mod.methods ??
    (mod.default as { methods?: unknown } | undefined)?.methods ??
    {}) as Record<string, unknown>;
  const names =
    methods && typeof methods === 'object'
      ? Object.keys(methods).filter((k) => typeof methods[k] === 'function')
      : [];
  serve(methods);
  post({ type: 'ready', methods: names });
}

void main();
