/**
 * The first half of a stop: close the daemon's front doors (the socket and the HTTP
 * listener) without dropping work already accepted. MCP-over-HTTP sessions end first
 * (bounded), then nothing new is taken, running tasks are cancelled so their requests
 * can answer, and the requests in flight get `daemon.shutdownGraceMs` to finish; past
 * it they are aborted and given one more second. The database closes after this.
 */
import type { Logger } from 'pino';
import type { HttpFront } from './http-front.js';
import type { ProcessScope } from './process-scope.js';

export interface FrontDoors {
  proc: ProcessScope;
  http: HttpFront | undefined;
  /** Cancels running tasks (their runs answer at once). */
  abortTasks(): void;
  graceMs: number;
  logger: Logger;
}

export async function closeFrontDoors(o: FrontDoors): Promise<void> {
  const { proc, http } = o;
  // Bounded like everything in a stop; each session.end is one short transaction.
  await Promise.race([http?.closeMcpSessions(), new Promise((r) => setTimeout(r, 2_000).unref())]);
  proc.dispatcher.beginShutdown();
  proc.server.refuseNew();
  http?.refuseNew();
  o.abortTasks();
  const drained = await Promise.all([proc.server.drain(o.graceMs), http?.drain(o.graceMs) ?? true]);
  if (!drained.every(Boolean)) {
    o.logger.warn('shutdown grace period ended with requests still in flight; aborting them');
    proc.dispatcher.abortAll();
    await Promise.all([proc.server.drain(1_000), http?.drain(1_000)]);
  }
  await Promise.all([proc.server.close(), http?.close()]);
}
