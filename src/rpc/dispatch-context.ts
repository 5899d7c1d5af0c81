/**
 * The context dispatch hands each handler (the contract: context.ts). One object per
 * request with no closures: what a handler does not read (its caller, its operation, its
 * signal) is never built, so a point read pays only for the object itself.
 */
import { AppError } from '../core/errors.js';
import type { MethodSpec } from '../protocol/method.js';
import type { Operation } from '../services/access/access-control.js';
import type { Principal } from '../services/access/tokens.js';
import type { Services } from '../services/services.js';
import type { Call } from './call.js';
import type { RequestCaller, RequestContext } from './context.js';
import type { ConnectionSubscription, DispatchConnection } from './dispatch-connection.js';
import type { RequestId } from './envelope.js';

/** What every context of one dispatcher shares. */
export interface ContextShared {
  services: () => Services;
  authenticate(token: string): Principal | undefined;
  methods: readonly MethodSpec[];
  /** Whether `connection` may be sent a notification now (its token still valid). */
  mayNotify(connection: DispatchConnection): boolean;
}

export class DispatchContext implements RequestContext {
  readonly method: string;
  readonly caller: RequestCaller;
  private operation: Operation | undefined;

  constructor(
    private readonly shared: ContextShared,
    readonly requestId: RequestId | undefined,
    spec: MethodSpec,
    private readonly connection: DispatchConnection,
    private readonly call: Call,
  ) {
    this.method = spec.name;
    // Who asked as the request arrived: a login during the call does not change it.
    this.caller = {
      connection: connection.peer.id,
      transport: connection.peer.transport ?? 'socket',
      principal: connection.principal,
    };
  }

  get signal(): AbortSignal {
    return this.call.signal;
  }

  get op(): Operation {
    return (this.operation ??= {
      method: this.method,
      connection: this.caller.connection,
      admin: this.caller.principal?.scopes.has('admin') === true,
    });
  }

  // Read when the handler runs, not when the line arrived: a request held at the gate
  // during a restore must reach the services of the restored database.
  get services(): Services {
    return this.shared.services();
  }

  get methods(): readonly MethodSpec[] {
    return this.shared.methods;
  }

  notify(method: string, params: unknown): boolean {
    const { connection } = this;
    return (
      !connection.closed &&
      this.shared.mayNotify(connection) &&
      connection.peer.notify(method, params)
    );
  }

  watch(notification: string): void {
    this.connection.watching.add(notification);
  }

  get subscriptions(): Map<string, ConnectionSubscription> {
    return this.connection.subscriptions;
  }

  login(token: string): Principal {
    const principal = this.shared.authenticate(token);
    if (!principal) {
      throw new AppError(
        'UNAUTHENTICATED',
        'that token is not valid here (unknown, revoked or expired)',
      );
    }
    this.connection.principal = principal;
    return principal;
  }
}
