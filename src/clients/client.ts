/**
 * The typed socket client. Parameter and result types come from the method table, so
 * `client.call('memory.store', {...})` is checked against the daemon's own schema.
 * Notifications from the daemon (streamed task output) reach `onNotification`.
 *
 * The daemon closes a connection that stays idle (`daemon.idleTimeoutMs`), saying so in
 * a last line. That close is not the end of this client: the next call connects again
 * and presents the token this client last authenticated with. A call that was on its
 * way as the daemon closed is sent again, because the daemon runs nothing it reads after
 * that line. Any other close (the daemon stopped, refused or cut off the connection) is
 * final: `closed` turns true and `onClose` listeners hear why.
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

/** One socket to the daemon and the JSON-RPC client on it. */
interface Link {
  socket: Socket;
  rpc: JSONRPCClient;
  /** The daemon closed this socket for idleness: replace it on the next call. */
  idled: boolean;
}

function openSocket(socketPath: string): Promise<Socket> {
  return new Promise<Socket>((resolve, reject) => {
    const socket = connect({ path: socketPath });
    socket.once('error', reject);
    socket.once('connect', () => {
      socket.off('error', reject);
      resolve(socket);
    });
  });
}

type LineError = { message: string; code: number; data?: Record<string, unknown> };

export class AistackClient {
  private link: Link;
  private closedError: Error | undefined;
  private reconnecting: Promise<Link> | undefined;
  /** The token this client last authenticated with, presented again after an idle close. */
  private token: string | undefined;
  private readonly notificationListeners = new Set<(method: string, params: unknown) => void>();
  private readonly closeListeners = new Set<(err: Error) => void>();

  private constructor(
    private readonly socketPath: string,
    socket: Socket,
    private readonly options: ClientOptions,
  ) {
    this.link = this.attach(socket);
  }

  private attach(socket: Socket): Link {
    const link: Link = {
      socket,
      idled: false,
      rpc: new JSONRPCClient((request) => {
        if (this.closedError) return Promise.reject(this.closedError);
        socket.write(JSON.stringify(request) + '\n');
        return Promise.resolve();
      }),
    };
    const framer = new LineFramer(this.options.maxLineBytes ?? 256 * 1024 * 1024);
    socket.on('data', (chunk: Buffer) => {
      const { lines, overflow } = framer.push(chunk);
      for (const line of lines) this.receive(link, line);
      if (overflow)
        socket.destroy(new Error('reply from the daemon exceeds the client line limit'));
    });
    const gone = (err: Error) => {
      if (link.idled) link.rpc.rejectAllPendingRequests('idle connection closed by the daemon');
      else if (link === this.link) this.fail(err);
    };
    socket.on('error', (err) =>
      gone(new ConnectionClosedError(`connection to the daemon failed: ${err.message}`)),
    );
    socket.on('close', () => gone(new ConnectionClosedError()));
    return link;
  }

  /**
   * Connects to the daemon socket, and authenticates when `options.token` is given;
   * rejects with the socket error (ENOENT, ECONNREFUSED, …) or the daemon's refusal.
   */
  static async connect(socketPath: string, options: ClientOptions = {}): Promise<AistackClient> {
    const client = new AistackClient(socketPath, await openSocket(socketPath), options);
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

  /** Presents a token (`auth.hello`); this client holds its scopes from now on, across reconnects. */
  async authenticate(token: string): Promise<ResultOf<'auth.hello'>> {
    const result = await this.call('auth.hello', this.hello(token));
    this.token = token;
    return result;
  }

  private hello(token: string): ParamsOf<'auth.hello'> {
    const client = this.options.clientName;
    return { token, ...(client && { client }) };
  }

  private receive(link: Link, line: string): void {
    let message: { id?: unknown; method?: string; params?: unknown; error?: LineError };
    try {
      message = JSON.parse(line);
    } catch {
      return;
    }
    if (typeof message.method === 'string' && message.id === undefined) {
      for (const l of this.notificationListeners) l(message.method, message.params);
      return;
    }
    if (message.id === null && message.error) {
      // A connection-level line: nothing else will come on this socket.
      const e = message.error;
      if (e.data?.code === 'CONNECTION_CLOSED' && e.data.reason === 'idle') {
        link.idled = true;
        link.socket.destroy();
      } else if (link === this.link) {
        this.fail(new RpcError(e.message, e.code, e.data));
      }
      return;
    }
    link.rpc.receive(message as never);
  }

  private fail(err: Error): void {
    if (this.closedError) return;
    this.closedError = err;
    this.link.rpc.rejectAllPendingRequests(err.message);
    for (const l of this.closeListeners) l(err);
    this.link.socket.destroy();
  }

  /** The link to use now: the current one, or a new one (authenticated again) after an idle close. */
  private ready(): Promise<Link> {
    if (!this.link.idled) return Promise.resolve(this.link);
    this.reconnecting ??= (async () => {
      let socket: Socket;
      try {
        socket = await openSocket(this.socketPath);
      } catch (err) {
        // The daemon went away meanwhile: this client is done; its owner reconnects
        // (and may start a daemon) as it does after any lost connection.
        this.fail(new ConnectionClosedError(`cannot reconnect: ${(err as Error).message}`));
        throw this.closedError;
      }
      if (this.closedError) {
        socket.destroy();
        throw this.closedError;
      }
      const link = (this.link = this.attach(socket));
      if (this.token !== undefined) {
        try {
          await this.request(link, 'auth.hello', this.hello(this.token));
        } catch (err) {
          this.fail(err as Error);
          throw err;
        }
      }
      return link;
    })().finally(() => (this.reconnecting = undefined));
    return this.reconnecting;
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
    for (let attempt = 1; ; attempt++) {
      if (this.closedError) throw this.closedError;
      const link = await this.ready();
      try {
        return await this.request(link, method, params ?? {}, timeoutMs);
      } catch (err) {
        // Sent as the daemon closed the idle connection: it did not run; send it again.
        if (link.idled && !(err instanceof RpcError) && attempt === 1) continue;
        throw err;
      }
    }
  }

  private async request<M extends MethodName>(
    link: Link,
    method: M,
    params: ParamsOf<M> | Record<string, never>,
    timeoutMs?: number,
  ): Promise<ResultOf<M>> {
    const limit = timeoutMs ?? this.options.timeoutMs ?? 0;
    const rpc =
      limit > 0
        ? link.rpc.timeout(limit, (id) => ({
            jsonrpc: '2.0',
            id,
            error: {
              code: -32010,
              message: `no answer from the daemon within ${limit} ms`,
              data: { code: 'TIMEOUT' },
            },
          }))
        : link.rpc;
    try {
      return (await rpc.request(method, params)) as ResultOf<M>;
    } catch (err) {
      // A connection that went away mid-call rejects through the library as an error
      // answer with code 0; what really happened is the closed connection, and the call
      // may or may not have taken effect.
      const dropped = !(err instanceof JSONRPCErrorException && err.code !== 0);
      if (dropped && link.idled) throw new ConnectionClosedError('idle connection closed');
      if (dropped && this.closedError) throw this.closedError;
      if (err instanceof JSONRPCErrorException)
        throw new RpcError(err.message, err.code, err.data as never);
      throw err;
    }
  }

  /** Sends a notification (no answer expected). */
  notify<M extends MethodName>(method: M, params?: ParamsOf<M>): void {
    if (!this.link.idled) this.link.rpc.notify(method, params ?? {});
    else
      this.ready().then(
        (link) => link.rpc.notify(method, params ?? {}),
        () => undefined,
      );
  }

  close(): void {
    if (!this.closedError) this.closedError = new ConnectionClosedError('client closed');
    this.link.rpc.rejectAllPendingRequests('client closed');
    this.link.socket.end();
  }
}
