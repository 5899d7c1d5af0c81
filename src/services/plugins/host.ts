/**
 * The plugin host: the first code that runs in a plugin's child process. It closes the
 * doors the permission model leaves open, loads the plugin's entry module, and answers
 * calls from the daemon — one JSON object per line, requests on stdin, replies on
 * stdout. Anything the plugin itself prints goes to stderr, so it cannot forge a reply.
 * Self-contained on purpose (only `node:` imports): under the permission model this
 * process may read nothing but this file and the plugin's private copy.
 *
 * The permission model (started by process.ts) already denies reading outside the copy,
 * writing, child processes, workers, addons, WASI, the inspector, `process.binding`.
 * What it does not cover in Node 20 or 24 is closed here before the plugin's code runs:
 * Unix sockets — connecting (to the daemon's socket, say), binding (a socket file
 * anywhere), listening — through `net` and through the raw libuv handles behind it,
 * signals to other processes (SIGUSR1 would open the daemon's inspector), other
 * processes' priority, trace files, V8 flags, node:sqlite. Each refusal is reported to
 * the daemon, which audits it (the first 20).
 *
 * The host ends its process when the daemon goes — at EOF on stdin, which the plugin
 * cannot reach, or when its parent is gone — with a SIGKILL through a function taken
 * before the plugin ran, whatever the plugin did to `exit` or to signals. Only a plugin
 * that blocks its event loop for good outlives the daemon; the next daemon kills it
 * (process-ledger.ts). Node calls its permission model a seat belt, not a guarantee
 * against hostile code; the hash approval is what decides which code runs at all.
 */
import { createRequire, syncBuiltinESMExports } from 'node:module';
import { constants } from 'node:os';
import { Readable } from 'node:stream';
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

// How this process ends itself, captured before any plugin code runs: bound functions
// and numbers, nothing a plugin can replace later (process.kill, process.exit, Reflect).
const rawKill = (process as unknown as { _kill(pid: number, signal: number): number })._kill;
const killSelf = rawKill.bind(process, process.pid, constants.signals.SIGKILL);
/** 0 while the parent (the daemon) lives; an error number once it is gone. */
const probeParent = rawKill.bind(process, process.ppid, 0);
const PARENT_CHECK_MS = 500;

// The requests arrive here. Created now, while the raw handles still open file
// descriptors; the plugin gets an empty stream instead, so it can neither read (steal)
// requests nor keep the host from seeing the daemon's end of the pipe close.
const input = process.stdin;
Object.defineProperty(process, 'stdin', {
  value: Readable.from([]),
  enumerable: true,
  writable: false,
  configurable: false,
});

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

/** Refusals reported to the daemon; process.ts treats more than this as a flood. */
const MAX_DENIALS_REPORTED = 20;
let denialsReported = 0;

function denied(what: string): Error {
  if (denialsReported < MAX_DENIALS_REPORTED) {
    denialsReported++;
    post({ type: 'denied', what });
  }
  const err = new Error(`${what} is not allowed in an aistack plugin`) as NodeJS.ErrnoException;
  err.code = 'ERR_ACCESS_DENIED';
  return err;
}

/** A stand-in for a method no plugin may call. */
function refuse(what: string): () => never {
  return () => {
    throw denied(what);
  };
}

/**
 * Raw libuv handle classes reach around `net`: `new (process.stdout._handle.constructor)`
 * gives a Pipe whose `connect` reaches any Unix socket (the daemon's among them) and
 * whose `bind` creates a socket file anywhere — the permission model checks neither, in
 * Node 20 or 24. So every handle class reachable from JavaScript loses these methods on
 * its prototype, which is then frozen: the originals exist nowhere else a plugin can
 * reach. Outbound TCP connects stay (the permission model allows them too; see README).
 */
const HANDLE_METHODS: Record<string, string[]> = {
  Pipe: ['connect', 'bind', 'listen', 'open', 'fchmod'],
  TCP: ['bind', 'bind6', 'listen', 'open'],
  UDP: ['open'],
};

type HandleClass = { name: string; prototype: Record<string, unknown> };

function closeRawHandles(require: NodeRequire): void {
  const net = require('node:net') as typeof import('node:net');
  const dgram = require('node:dgram') as typeof import('node:dgram');
  const handleOf = (o: unknown) => (o as { _handle?: { constructor: HandleClass } })._handle;
  const classes = new Set<HandleClass>();
  for (const stream of [input, process.stdout, process.stderr]) {
    const handle = handleOf(stream);
    if (handle) classes.add(handle.constructor);
  }
  // A TCP handle, without a connection: the connect to an IP address waits for the next
  // tick, and destroy() comes first.
  const tcp = new net.Socket();
  tcp.on('error', () => {});
  tcp.connect({ port: 9, host: '127.0.0.1' });
  const tcpHandle = handleOf(tcp);
  if (tcpHandle) classes.add(tcpHandle.constructor);
  tcp.destroy();
  const udp = dgram.createSocket('udp4');
  const udpHandle = handleOf(udp);
  if (udpHandle) classes.add(udpHandle.constructor);
  udp.close();

  for (const cls of classes) {
    for (const key of HANDLE_METHODS[cls.name] ?? []) {
      if (!(key in cls.prototype)) continue;
      Object.defineProperty(cls.prototype, key, {
        value: refuse(`${cls.name}#${key} on a raw handle`),
        writable: false,
        configurable: false,
      });
    }
    Object.freeze(cls.prototype);
  }
}

function lockDown(): void {
  const require = createRequire(import.meta.url);
  const proc = process as unknown as Record<string, unknown>;
  proc.kill = refuse('signalling processes');
  // The raw bindings behind process.kill and the inspector signal, the bindings loader
  // (denied by the permission model already), and the lists of live handles (which would
  // hand out the host's own stdin).
  for (const key of [
    '_kill',
    '_debugProcess',
    '_debugEnd',
    'binding',
    '_linkedBinding',
    '_getActiveHandles',
    '_getActiveRequests',
  ])
    delete proc[key];

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
  net.Server.prototype.listen = refuse('listening for connections');
  closeRawHandles(require);

  const os = require('node:os') as Record<string, unknown>;
  os.setPriority = refuse('changing process priority');
  const trace = require('node:trace_events') as Record<string, unknown>;
  trace.createTracing = refuse('trace events');
  const v8 = require('node:v8') as Record<string, unknown>;
  v8.setFlagsFromString = refuse('changing V8 flags');
  try {
    // Newer Node has SQLite built in, and the permission model does not cover it.
    const sqlite = require('node:sqlite') as Record<string, unknown>;
    for (const key of Object.keys(sqlite)) sqlite[key] = refuse('node:sqlite');
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
  input.setEncoding('utf8');
  input.on('data', (chunk: string) => {
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
}

/** Ends this process when the daemon goes: its end of our stdin closes, or it is gone. */
function followParent(): void {
  input.on('end', () => killSelf());
  input.on('error', () => killSelf());
  // Never converted to a number, so no clearInterval(id) in the plugin can find it.
  setInterval(() => {
    if (probeParent() !== 0) killSelf();
  }, PARENT_CHECK_MS).unref();
}

async function main(): Promise<void> {
  if (!(process as { permission?: unknown }).permission) {
    post({ type: 'load-error', message: 'the Node.js permission model is not active' }, () =>
      process.exit(1),
    );
    return;
  }
  followParent();
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
