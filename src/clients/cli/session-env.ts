/**
 * The CLI's session: `AISTACK_SESSION=<id>:<token>` (as printed by `aistack session
 * start`). Commands that write without one open a one-off session for that call and
 * end it afterwards.
 */
import type { AistackClient } from '../client.js';
import { CliError } from './context.js';

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

/** Runs `fn` in the exported session, or in a one-off session that is ended afterwards. */
export async function inSession<T>(
  client: AistackClient,
  fn: (creds: Creds, oneOff: boolean) => Promise<T>,
): Promise<T> {
  const existing = sessionFromEnv();
  if (existing) return fn(existing, false);
  const { session } = await client.call('session.start', {
    metadata: { client: 'aistack-cli', purpose: 'one-off', pid: process.pid },
    idleTimeoutMinutes: 5,
  });
  const creds = { sessionId: session.id, sessionToken: session.token };
  try {
    return await fn(creds, true);
  } finally {
    await client.call('session.end', creds).catch(() => undefined);
  }
}
