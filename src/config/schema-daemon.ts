/**
 * `daemon.*`: the process and its socket — where it listens, how many connections and
 * how large a line, the time limits, the reply budget, the read pool, and the limits that
 * keep one connection from holding the daemon from the others (batches, requests in
 * flight, idle and half-sent lines, refusals).
 */
import { z } from 'zod';

const MiB = 1024 * 1024;

export const daemonConfigSchema = z
  .strictObject({
    socketPath: z
      .string()
      .min(1)
      .optional()
      .describe(
        'Unix socket path. Overridden by --socket and $AISTACK_SOCKET; default $XDG_RUNTIME_DIR/aistack/aistack.sock or ~/.aistack/run/aistack.sock.',
      ),
    maxConnections: z
      .number()
      .int()
      .min(1)
      .max(10_000)
      .default(256)
      .describe('Concurrent client connections; past this a client gets a BUSY error.'),
    maxLineBytes: z
      .number()
      .int()
      .min(1024)
      .max(64 * MiB)
      .default(4 * MiB)
      .describe(
        'Largest JSON-RPC message (one line) in bytes; a longer line gets PAYLOAD_TOO_LARGE and its connection is closed. A reload applies it to open connections too.',
      ),
    shutdownGraceMs: z
      .number()
      .int()
      .min(0)
      .max(60_000)
      .default(5_000)
      .describe(
        'On SIGTERM, how long requests in flight may take to finish; new requests get SHUTTING_DOWN meanwhile.',
      ),
    socketCheckIntervalMs: z
      .number()
      .int()
      .min(100)
      .max(60_000)
      .default(2_000)
      .describe(
        'How often the daemon checks that its socket file is still its own; when the socket (or its directory) is removed or replaced, the daemon stops, so no orphan daemon outlives its home.',
      ),
    requestTimeoutMs: z
      .number()
      .int()
      .min(100)
      .max(3_600_000)
      .default(60_000)
      .describe(
        'Longest a call may run before it gets TIMEOUT and its work is told to stop. Methods that bound their own time (task.run, memory.reindex, backups, github, provider.test) are exempt.',
      ),
    replyBudgetBytes: z
      .number()
      .int()
      .min(256 * 1024)
      .max(256 * MiB)
      .default(8 * MiB)
      .describe(
        'Largest reply (one line, in bytes) of a page-shaped method: memory.list, memory.search, memory.export, task.list, session.list, audit.tail. A page that would grow past it stops early and says truncated: true, with a cursor (or offset, or afterSeq) to continue. At least 256 KiB, so that any one entry without its content (up to 64 KiB of metadata) fits a page. A reload applies it to the next call.',
      ),
    maxBatchLength: z
      .number()
      .int()
      .min(1)
      .max(10_000)
      .default(100)
      .describe(
        'Most requests in one batch line; a longer batch gets one INVALID_REQUEST (id null) and none of it runs. Live-reloadable.',
      ),
    maxInFlightPerConnection: z
      .number()
      .int()
      .min(1)
      .max(10_000)
      .default(32)
      .describe(
        'Requests one connection may have running at once (a batch counts as its length); past it the daemon stops reading that connection until one finishes (backpressure: nothing is lost or refused). Live-reloadable.',
      ),
    idleTimeoutMs: z
      .number()
      .int()
      .min(50)
      .max(86_400_000)
      .default(600_000)
      .describe(
        'Close a connection that has nothing in flight and has sent nothing for this long, with a last CONNECTION_CLOSED line (reason "idle"); the clients reconnect on their next call. Live-reloadable.',
      ),
    partialLineTimeoutMs: z
      .number()
      .int()
      .min(50)
      .max(3_600_000)
      .default(30_000)
      .describe(
        'Close a connection that started a line and has not finished it for this long, with a last CONNECTION_CLOSED line (reason "partial-line"), audited. Live-reloadable.',
      ),
    refusalWindowMs: z
      .number()
      .int()
      .min(100)
      .max(86_400_000)
      .default(60_000)
      .describe(
        'Refused requests (parse errors, invalid requests, unknown methods, bad params, missing authentication or scope, …) are counted per connection in windows this long. Live-reloadable.',
      ),
    refusalSlowAfter: z
      .number()
      .int()
      .min(1)
      .max(100_000)
      .default(20)
      .describe(
        'Past this many refusals in a window, a connection gets no audit record per refusal (one `connection.refusals` record counts them) and each further refusal delays reading its next line by `refusalDelayStepMs` more (at most 2 s). Live-reloadable.',
      ),
    refusalCloseAfter: z
      .number()
      .int()
      .min(1)
      .max(100_000)
      .default(100)
      .describe(
        'At this many refusals in a window, the connection is closed with a last CONNECTION_CLOSED line (reason "refusals") and one `connection.refusals` audit record. Live-reloadable.',
      ),
    refusalDelayStepMs: z
      .number()
      .int()
      .min(0)
      .max(2_000)
      .default(25)
      .describe(
        'How much longer the next line of a connection being slowed waits with each refusal past `refusalSlowAfter`. Live-reloadable.',
      ),
    readWorkers: z
      .number()
      .int()
      .min(0)
      .max(16)
      .default(2)
      .describe(
        'Worker threads that run the reads that can be slow (search, list, export pages, reindex scans), each with its own read-only connection, so the daemon keeps answering everyone else meanwhile. 0 runs them on the main thread. Needs a restart.',
      ),
    queryTimeoutMs: z
      .number()
      .int()
      .min(100)
      .max(3_600_000)
      .default(10_000)
      .describe(
        'Longest one read on a read worker may run: past it the worker is stopped (and replaced) and the call gets TIMEOUT; nothing in the database changes. Applies from the next read.',
      ),
  })
  .prefault({})
  .describe('The daemon process and its socket.');
