/**
 * The typed socket client. Parameter and result types come from the method table, so
 * `client.call('memory.store', {...})` is checked against the daemon's own schema.
 * Notifications from the daemon (streamed task output) reach `onNotification`.
 */
import { connect, type Socket } from 'node:net';
import { JSONRPCClient, JSONRPCErrorException } from 'json-rpc-2.0';
import type { MethodName, ParamsOf, ResultOf } from '../protocol/table.js';
import { LineFramer } from '../transport/line-framer.js';
import { errorCodeName } from '../protocol/error-codes.js';

/** An error answer from the daemon, with its JSON-RPC number and stable string code. */
export class RpcError extends Error {
  constructor(
    message: string,
    readonly rpcCode: number,
    readonly data?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'RpcError';
  }

  /** The stable code, e.g. `ACCESS_DENIED`. */
  get code(): string {
    return (
      (this.data?.code as string | undefined) ?? errorCodeName(this.rpcCode) ?? String(this.rpcCode)
    );
  }
}

export class ConnectionClosedError extends Error {
  constructor(message = 'connection to the daemon closed') {
    super(message);
    this.name = 'ConnectionClosedError';
  }
}

export interface ClientOptions {
  /** Per-call timeout in ms (0 = none). */
  timeoutMs?: number;
  maxLineBytes?: number;
  /** Presented with `auth.hello` right after connecting (the owner token or a scoped one). */
  token?: string;
  /** What is connecting, for the daemon's audit log (e.g. "aistack-cli"). */
  clientName?: string;
}

export class AistackClient {
  private readonly rpc: JSONRPCClient;
  private closedError: Error | undefined;
  private readonly notificationListeners = new Set<(method: string, params: unknown) => void>();
  private readonly closeListeners = new Set<(err: Error) => void>();

  private constructor(
    private readonly socket: Socket,
    private readonly options: ClientOptions,
  ) {
    this.rpc = new JSONRPCClient((request) => {
      if (this.closedError) return Promise.reject(this.closedError);
      socket.write(JSON.stringify(request) + '\n');
      return Promise.resolve();
    });
    const framer = new LineFramer(options.maxLineBytes ?? 256 * 1024 * 1024);
    socket.on('data', (chunk: Buffer) => {
      const { lines, overflow } = framer.push(chunk);
      for (const line of lines) this.receive(line);
      if (overflow)
        socket.destroy(new Error('reply from the daemon exceeds the client line limit'));
    });
    socket.on('error', (err) =>
      this.fail(new ConnectionClosedError(`connection to the daemon failed: ${err.message}`)),
    );
    socket.on('close', () => this.fail(new ConnectionClosedError()));
  }

  /**
   * Connects to the daemon socket, and authenticates when `options.token` is given;
   * rejects with the socket error (ENOENT, ECONNREFUSED, …) or the daemon's refusal.
   */
  static async connect(socketPath: string, options: ClientOptions = {}): Promise<AistackClient> {
    const client = await new Promise<AistackClient>((resolve, reject) => {
      const socket = connect({ path: socketPath });
      socket.once('error', reject);
      socket.once('connect', () => {
        socket.off('error', reject);
        resolve(new AistackClient(socket, options));
      });
    });
    if (options.token !== undefined) {
      try {
        await client.authenticate(options.token);
      } catch (err) {
        client.close();
        throw err;
      }
    }
    return client;
  }

  /** Presents a token (`auth.hello`); this connection holds its scopes from now on. */
  authenticate(token: string): Promise<ResultOf<'auth.hello'>> {
    const client = this.options.clientName;
    return this.call('auth.hello', { token, ...(client && { client }) });
  }

  private receive(line: string): void {
    let message: { id?: unknown; method?: string; params?: unknown };
    try {
      message = JSON.parse(line);
    } catch {
      return;
    }
    if (typeof message.method === 'string' && message.id === undefined) {
      for (const l of this.notificationListeners) l(message.method, message.params);
      return;
    }
    if (message.id === null && 'error' in message) {
      // A connection-level refusal (busy, oversized line): nothing else will come.
      const e = (
        message as { error: { message: string; code: number; data?: Record<string, unknown> } }
      ).error;
      this.fail(new RpcError(e.message, e.code, e.data));
      return;
    }
    this.rpc.receive(message as never);
  }

  private fail(err: Error): void {
    if (this.closedError) return;
    this.closedError = err;
    this.rpc.rejectAllPendingRequests(err.message);
    for (const l of this.closeListeners) l(err);
    this.socket.destroy();
  }

  get closed(): boolean {
    return this.closedError !== undefined;
  }

  onNotification(listener: (method: string, params: unknown) => void): () => void {
    this.notificationListeners.add(listener);
    return () => this.notificationListeners.delete(listener);
  }

  onClose(listener: (err: Error) => void): void {
    this.closeListeners.add(listener);
  }

  /** Calls a method; rejects with RpcError for an error answer, ConnectionClosedError if the socket goes. */
  async call<M extends MethodName>(
    method: M,
    params?: ParamsOf<M>,
    timeoutMs?: number,
  ): Promise<ResultOf<M>> {
    if (this.closedError) throw this.closedError;
    const limit = timeoutMs ?? this.options.timeoutMs ?? 0;
    const rpc =
      limit > 0
        ? this.rpc.timeout(limit, (id) => ({
            jsonrpc: '2.0',
            id,
            error: {
              code: -32010,
              message: `no answer from the daemon within ${limit} ms`,
              data: { code: 'TIMEOUT' },
            },
          }))
        : this.rpc;
    try {
      return (await rpc.request(method, params ?? {})) as ResultOf<M>;
    } catch (err) {
      // A connection that went away mid-call rejects through the library as an error
      // answer with code 0; what really happened is the closed connection, and the call
      // may or may not have taken effect.
      if (this.closedError && !(err instanceof JSONRPCErrorException && err.code !== 0)) {
        throw this.closedError;
      }
      if (err instanceof JSONRPCErrorException)
        throw new RpcError(err.message, err.code, err.data as never);
      throw err;
    }
  }

  /** Sends a notification (no answer expected). */
  notify<M extends MethodName>(method: M, params?: ParamsOf<M>): void {
    this.rpc.notify(method, params ?? {});
  }

  close(): void {
    if (!this.closedError) this.closedError = new ConnectionClosedError('client closed');
    this.rpc.rejectAllPendingRequests('client closed');
    this.socket.end();
  }
}
