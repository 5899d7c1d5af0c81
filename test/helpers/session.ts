/** Session helpers: start one, and the credentials to spread into memory calls. */
import type { AistackClient } from '../../src/clients/client.js';

export interface TestSession {
  id: string;
  token: string;
  namespace: string;
  creds: { sessionId: string; sessionToken: string };
}

export async function openSession(
  client: AistackClient,
  metadata: Record<string, unknown> = {},
): Promise<TestSession> {
  const { session } = await client.call('session.start', { metadata });
  return { ...session, creds: { sessionId: session.id, sessionToken: session.token } };
}
