/**
 * The bench's clients, in a worker thread of their own: on a small machine, eight
 * clients in the bench's main thread (JSON, promises, timers) can be slower than the
 * server they measure, which would cap the figure on the measuring side. The worker
 * connects its clients to one socket, then runs cells on command and posts back each
 * cell's summary. The protocol is load.ts's; this file is only the worker's side.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { AistackClient } from '../clients/client.js';
import { runConcurrent } from './measure.js';
import { makeOp, type Credentials, type OpData } from './load-ops.js';
import type { LoadCommand, LoadReply } from './load.js';

const data = workerData as OpData;
let clients: AistackClient[] = [];
let creds: Credentials[] = [];

async function handle(command: LoadCommand): Promise<LoadReply> {
  switch (command.kind) {
    case 'connect': {
      const { socket, token } = command;
      clients = await Promise.all(
        Array.from({ length: command.clients }, () =>
          AistackClient.connect(socket, token === undefined ? {} : { token }),
        ),
      );
      creds = command.sessions
        ? await Promise.all(
            clients.map(async (c) => {
              const { session } = await c.call('session.start', { metadata: { client: 'bench' } });
              return { sessionId: session.id, sessionToken: session.token };
            }),
          )
        : [];
      return { kind: 'ready' };
    }
    case 'run': {
      const op = makeOp(command.op, clients, creds, data);
      const summary = await runConcurrent(command.concurrency, command.durationMs, op);
      return { kind: 'result', summary };
    }
    case 'close':
      clients.forEach((c) => c.close());
      clients = [];
      return { kind: 'ready' };
  }
}

parentPort!.on('message', (command: LoadCommand) => {
  handle(command).then(
    (reply) => parentPort!.postMessage(reply),
    (err: Error) => parentPort!.postMessage({ kind: 'error', message: err.stack ?? err.message }),
  );
});
