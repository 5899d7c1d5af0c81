/**
 * The CLI's session: `AISTACK_SESSION=<id>:<token>` (as printed by `aistack session
 * start`). Commands that write without one open a one-off session for that call and
 * end it afterwards.
 */
import { RpcError } from '../client.js';
import type { MethodName, ParamsOf, ResultOf } from '../../protocol/table.js';
import { precheck, type CliClient } from './cli-client.js';
import { CliError, say, STALE_SESSION_FIX } from './context.js';

export interface Creds {
  sessionId: string;
  sessionToken: string;
}

export function sessionFromEnv(env: NodeJS.ProcessEnv = process.env): Creds | undefined {
  const value = env.AISTACK_SESSION;
  if (!value) return undefined;
  const at = value.indexOf(':');
  if (at <= 0 || at === value.length - 1) {
    throw new CliError(
      'AISTACK_SESSION must look like <id>:<token> (as printed by `aistack session start`)',
    );
  }
  return { sessionId: value.slice(0, at), sessionToken: value.slice(at + 1) };
}

/** True for the daemon's answer to credentials of a session that has ended or is unknown. */
export function staleSession(err: unknown): boolean {
  return (
    err instanceof RpcError &&
    err.code === 'SESSION_INVALID' &&
    (err.data?.reason === 'ended' || err.data?.reason === 'invalid')
  );
}

/**
 * Runs a read with the exported session. A session that has ended (or that the daemon
 * does not know, after a restore) does not break reads: they run again as an anonymous
 * caller, after one warning saying how to clear the variable.
 */
export async function asReader<T>(call: (creds: Partial<Creds>) => Promise<T>): Promise<T> {
  const creds = sessionFromEnv();
  if (!creds) return call({});
  try {
    return await call(creds);
  } catch (err) {
    if (!staleSession(err)) throw err;
    say(
      `AISTACK_SESSION names a session that has ended; reading without it (${STALE_SESSION_FIX})`,
    );
    return call({});
  }
}

/**
 * Calls `method` in the exported session, or in a one-off session that is ended
 * afterwards. The params are checked before a one-off session is opened, so a usage
 * error contacts nothing.
 */
export async function inSession<M extends MethodName>(
  client: CliClient,
  method: M,
  params: (creds: Creds | Record<string, never>, oneOff: boolean) => ParamsOf<M>,
): Promise<ResultOf<M>> {
  const existing = sessionFromEnv();
  if (existing) return client.call(method, params(existing, false));
  precheck(method, params({}, true));
  const { session } = await client.call('session.start', {
    metadata: { client: 'aistack-cli', purpose: 'one-off', pid: process.pid },
    idleTimeoutMinutes: 5,
  });
  const creds = { sessionId: session.id, sessionToken: session.token };
  try {
    return await client.call(method, params(creds, true));
  } finally {
    await client.call('session.end', creds).catch(() => undefined);
  }
}
