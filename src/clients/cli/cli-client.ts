/**
 * The client a CLI command talks through. It checks each call's params against the
 * method's schema (the same zod schema the daemon applies) before anything contacts the
 * daemon, and connects only on the first call that passes: an argument that cannot be
 * valid (a 2,000-character key, a limit out of range) is a usage error, exit 2, naming
 * the field, and never starts or touches a daemon.
 */
import {
  methodTable,
  type MethodName,
  type ParamsOf,
  type ResultOf,
} from '../../protocol/table.js';
import type { AistackClient } from '../client.js';
import { CliError, EXIT } from './cli-error.js';

const specs = new Map<string, (typeof methodTable)[number]>(methodTable.map((m) => [m.name, m]));

type Listener = (method: string, params: unknown) => void;

/** Throws a usage error naming every field of `params` that `method` would refuse. */
export function precheck(method: string, params: unknown): void {
  const spec = specs.get(method);
  if (!spec) return; // a plugin's method: the daemon checks it
  const parsed = spec.params.safeParse(params ?? {});
  if (parsed.success) return;
  const fields = parsed.error.issues.map(
    (i) => `${i.path.length ? i.path.join('.') : '(arguments)'}: ${i.message}`,
  );
  throw new CliError(`invalid arguments — ${fields.join('; ')}`, EXIT.USAGE);
}

export class CliClient {
  private client: Promise<AistackClient> | undefined;
  private readonly listeners = new Set<Listener>();

  constructor(private readonly open: () => Promise<AistackClient>) {}

  /** The connected client (connecting on first use). */
  connected(): Promise<AistackClient> {
    this.client ??= this.open().then((c) => {
      c.onNotification((method, params) => this.listeners.forEach((l) => l(method, params)));
      return c;
    });
    return this.client;
  }

  async call<M extends MethodName>(
    method: M,
    params?: ParamsOf<M>,
    timeoutMs?: number,
  ): Promise<ResultOf<M>> {
    precheck(method, params);
    return (await this.connected()).call(method, params, timeoutMs);
  }

  onNotification(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  close(): void {
    void this.client?.then(
      (c) => c.close(),
      () => undefined,
    );
  }
}
