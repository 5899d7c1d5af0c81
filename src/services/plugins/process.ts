/**
 * One plugin's child process, seen from the daemon. It starts Node under the permission
 * model — read access to the plugin's private copy and the host script only; no writes, child
 * processes or workers; an empty environment — and talks to it through the line
 * protocol in protocol.ts. Every call has a timeout. A plugin that hangs a call, exits,
 * sends anything it was not asked for, or floods its output is killed (SIGKILL) and
 * reported once through `onFailure`; its calls in flight get a clear error, and the
 * daemon itself never waits on it for longer than the timeout.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Logger } from 'pino';
import { AppError } from '../../core/errors.js';
import type { ProcessLedger } from './process-ledger.js';
import { hostMessageSchema, LineSplitter, type HostMessage, type HostRequest } from './protocol.js';

export type FailureKind =
  'load-error' | 'start-timeout' | 'call-timeout' | 'exited' | 'flood' | 'protocol';

export interface PluginProcessOptions {
  name: string;
  /** Real path of the plugin's private copy (approved-copy.ts): the only place the child may read. */
  dir: string;
  /** Absolute path of the entry module, inside `dir`. */
  entry: string;
  /** Read at each call, so a config reload applies to the next one. */
  callTimeoutMs: () => number;
  maxMessageBytes: number;
  logger: Logger;
  /** Told once when the plugin is stopped for misbehaving or exits by itself. */
  onFailure(kind: FailureKind, message: string): void;
  /** Told of each thing the host's lockdown refused the plugin (host.ts reports at most 20). */
  onDenied?(what: string): void;
  /** The host script; default: host.js next to this module (built into dist/). */
  hostScript?: string;
  /** Where the process is recorded while it runs, so that no later daemon leaves it running. */
  ledger?: ProcessLedger;
  startTimeoutMs?: number;
  maxConcurrentCalls?: number;
}

/** Heap limit of a plugin process, in MiB: a plugin that allocates without end dies alone. */
const HEAP_MB = 128;
const STDERR_TAIL_BYTES = 4096;
/** The host reports this many refusals at most (host.ts); more means it is not our host. */
const MAX_DENIALS = 20;

/**
 * The compiled host script. Under tests that run the TypeScript sources there is no
 * host.js beside this file, so the built copy in dist/ is used (`npm run build` first).
 */
export function defaultHostScript(): string {
  const here = fileURLToPath(new URL('./host.js', import.meta.url));
  if (existsSync(here)) return here;
  return fileURLToPath(new URL('../../../dist/services/plugins/host.js', import.meta.url));
}

/** Node's flags for a plugin: permission model on, nothing granted but reading two paths. */
export function sandboxArgs(dir: string, hostScript: string, heapMb = HEAP_MB): string[] {
  const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);
  const stable = major > 23 || (major === 23 && minor >= 5) || (major === 22 && minor >= 13);
  return [
    stable ? '--permission' : '--experimental-permission',
    `--allow-fs-read=${dir}/`,
    `--allow-fs-read=${hostScript}`,
    ...(process.allowedNodeEnvironmentFlags.has('--disable-warning')
      ? ['--disable-warning=ExperimentalWarning']
      : []),
    `--max-old-space-size=${heapMb}`,
  ];
}

interface Pending {
  method: string;
  resolve(value: unknown): void;
  reject(err: Error): void;
  timer: NodeJS.Timeout;
}

export class PluginProcess {
  private child?: ChildProcess;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private ready = false;
  private done = false;
  private stderrTail = '';
  private denials = 0;
  private stderrWindow = { start: 0, bytes: 0 };
  private startWaiter?: { resolve(methods: string[]): void; reject(err: Error): void };
  private startTimer?: NodeJS.Timeout;

  constructor(private readonly options: PluginProcessOptions) {}

  get running(): boolean {
    return this.ready && !this.done;
  }

  /** Starts the child and resolves with the method names its entry exports once it is ready. */
  start(): Promise<string[]> {
    const o = this.options;
    const host = o.hostScript ?? defaultHostScript();
    if (!existsSync(host))
      return Promise.reject(
        new Error(`the plugin host ${host} is missing (build aistack: npm run build)`),
      );
    return new Promise<string[]>((resolve, reject) => {
      this.startWaiter = { resolve, reject };
      this.startTimer = setTimeout(
        () =>
          this.fail('start-timeout', `did not finish loading within ${this.startTimeoutMs()} ms`),
        this.startTimeoutMs(),
      );
      const child = spawn(
        process.execPath,
        [...sandboxArgs(o.dir, host), host, o.entry, String(o.maxMessageBytes)],
        // An empty environment: no keys, no NODE_OPTIONS, no paths. The working directory
        // is neutral ground: neither the plugin folder nor anything of the daemon's.
        { cwd: '/', env: {}, stdio: ['pipe', 'pipe', 'pipe'], windowsHide: true },
      );
      this.child = child;
      const pid = child.pid;
      if (pid !== undefined && o.ledger) {
        o.ledger.add(pid, o.name, host, o.entry);
        child.once('exit', () => o.ledger!.remove(pid));
      }
      const splitter = new LineSplitter(o.maxMessageBytes);
      child.stdout!.on('data', (chunk: Buffer) => {
        const lines = splitter.push(chunk);
        if (lines === 'overflow')
          return this.fail('flood', `sent a message larger than ${o.maxMessageBytes} bytes`);
        for (const line of lines) if (!this.done) this.onLine(line);
      });
      child.stderr!.on('data', (chunk: Buffer) => this.onStderr(chunk));
      // Errors on the pipes surface as the close below; they must never reach the daemon.
      child.stdin!.on('error', () => {});
      child.stdout!.on('error', () => {});
      child.stderr!.on('error', () => {});
      child.once('error', (err) => this.fail('load-error', `could not start: ${err.message}`));
      // 'close', not 'exit': by then everything the child wrote has been read.
      child.once('close', (code, signal) =>
        this.fail('exited', signal ? `was killed by ${signal}` : `exited with code ${code}`),
      );
    });
  }

  /** Calls one method; rejects with an AppError that names the plugin and what happened. */
  call(method: string, params: Record<string, unknown>, context: HostRequest['context']) {
    const o = this.options;
    if (!this.running || !this.child?.stdin) {
      return Promise.reject(
        new AppError('PROVIDER_FAILURE', `plugin ${o.name} is not running`, { plugin: o.name }),
      );
    }
    if (this.pending.size >= (o.maxConcurrentCalls ?? 16)) {
      return Promise.reject(
        new AppError('BUSY', `plugin ${o.name} has too many calls in flight; retry shortly`, {
          plugin: o.name,
        }),
      );
    }
    const id = this.nextId++;
    const request: HostRequest = { id, method, params, context };
    const timeoutMs = o.callTimeoutMs();
    return new Promise<unknown>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(
          new AppError(
            'TIMEOUT',
            `plugin ${o.name} did not answer ${method} within ${timeoutMs} ms; it was stopped and marked failed (run aistack plugin reload ${o.name})`,
            { plugin: o.name },
          ),
        );
        this.fail('call-timeout', `did not answer ${method} within ${timeoutMs} ms`);
      }, timeoutMs);
      this.pending.set(id, { method, resolve, reject, timer });
      this.child!.stdin!.write(JSON.stringify(request) + '\n');
    });
  }

  /** Stops the child (SIGKILL) without reporting a failure: reload, revoke, shutdown. */
  stop(why = 'it was stopped'): void {
    if (this.done) return;
    this.done = true;
    clearTimeout(this.startTimer);
    this.child?.kill('SIGKILL');
    this.rejectAll(() => `plugin ${this.options.name} ${why}`);
    this.startWaiter?.reject(new Error(why));
    this.startWaiter = undefined;
  }

  private startTimeoutMs(): number {
    return this.options.startTimeoutMs ?? Math.max(this.options.callTimeoutMs(), 10_000);
  }

  private onLine(line: string): void {
    let message: HostMessage;
    try {
      message = hostMessageSchema.parse(JSON.parse(line));
    } catch {
      return this.fail('protocol', 'sent a message that is not part of the plugin protocol');
    }
    if (message.type === 'denied') {
      if (++this.denials > MAX_DENIALS)
        return this.fail('flood', `reported more than ${MAX_DENIALS} refusals`);
      return this.options.onDenied?.(message.what);
    }
    if (message.type === 'ready' || message.type === 'load-error') {
      if (this.ready) return this.fail('protocol', `sent an unexpected ${message.type} message`);
      if (message.type === 'load-error') {
        const code = message.code ? ` (${message.code})` : '';
        return this.fail('load-error', `failed to load: ${message.message}${code}`);
      }
      this.ready = true;
      clearTimeout(this.startTimer);
      this.startWaiter?.resolve(message.methods);
      this.startWaiter = undefined;
      return;
    }
    const call = this.pending.get(message.id);
    // At most one reply per request: anything else is a flood or a forgery.
    if (!call) return this.fail('flood', 'sent a reply nobody asked for');
    this.pending.delete(message.id);
    clearTimeout(call.timer);
    if (message.type === 'result') return call.resolve(message.result);
    const code = message.code ? ` (${message.code})` : '';
    call.reject(
      new AppError(
        'PROVIDER_FAILURE',
        `plugin ${this.options.name}: ${call.method} failed: ${message.message}${code}`,
        {
          plugin: this.options.name,
          pluginError: { message: message.message, code: message.code ?? null },
        },
      ),
    );
  }

  private onStderr(chunk: Buffer): void {
    const now = Date.now();
    if (now - this.stderrWindow.start > 1000) this.stderrWindow = { start: now, bytes: 0 };
    this.stderrWindow.bytes += chunk.length;
    this.stderrTail = (this.stderrTail + chunk.toString('utf8')).slice(-STDERR_TAIL_BYTES);
    if (this.stderrWindow.bytes > this.options.maxMessageBytes)
      this.fail(
        'flood',
        `wrote more than ${this.options.maxMessageBytes} bytes of output in a second`,
      );
  }

  private fail(kind: FailureKind, message: string): void {
    if (this.done) return;
    this.done = true;
    clearTimeout(this.startTimer);
    this.child?.kill('SIGKILL');
    const { name, logger } = this.options;
    logger.warn(
      { plugin: name, kind, stderr: this.stderrTail || undefined },
      `plugin ${name} ${message}`,
    );
    const during = kind === 'exited' ? 'exited during' : 'was stopped during';
    this.rejectAll(
      (method) =>
        `plugin ${name} ${during} ${method} (${message}); it is marked failed (run aistack plugin reload ${name})`,
    );
    this.startWaiter?.reject(new Error(message));
    this.startWaiter = undefined;
    this.options.onFailure(kind, message);
  }

  private rejectAll(message: (method: string) => string): void {
    for (const [id, call] of this.pending) {
      clearTimeout(call.timer);
      call.reject(
        new AppError('PROVIDER_FAILURE', message(call.method), { plugin: this.options.name }),
      );
      this.pending.delete(id);
    }
  }
}
