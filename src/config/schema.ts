/**
 * The configuration schema. Every field has a default, so an empty file (or no file)
 * is a complete, safe configuration. Objects are strict: a misspelt field is an error
 * naming its path, not a silently ignored setting. Descriptions here are the field
 * documentation: they end up in `config/aistack.config.schema.json`.
 */
import { z } from 'zod';
import {
  agentsConfigSchema,
  githubConfigSchema,
  memoryConfigSchema,
  pluginsConfigSchema,
  tasksConfigSchema,
} from './schema-features.js';
import { httpConfigSchema } from './schema-http.js';
import { providersConfigSchema } from './schema-providers.js';

export {
  agentsConfigSchema,
  githubConfigSchema,
  httpConfigSchema,
  memoryConfigSchema,
  pluginsConfigSchema,
  providersConfigSchema,
  tasksConfigSchema,
};

/**
 * The shape of a cron expression (5 or 6 fields of cron characters). Kept light so
 * clients that load this schema do not load node-cron; the job runner checks each
 * expression fully when the daemon starts.
 */
const validCron = (expression: string) =>
  /^(\S+\s+){4,5}\S+$/.test(expression.trim()) && /^[\d\s*/,\-?LW#A-Za-z]+$/.test(expression);

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
        'Largest reply (one line, in bytes) of a page-shaped method: memory.list, memory.search, memory.export. A page that would grow past it stops early and says truncated: true, with a cursor to continue. At least 256 KiB, so that any one entry without its content (up to 64 KiB of metadata) fits a page. A reload applies it to the next call.',
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

export const loggingConfigSchema = z
  .strictObject({
    level: z
      .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
      .default('info')
      .describe('Log level.'),
    file: z
      .string()
      .min(1)
      .optional()
      .describe(
        'Log to this file (rotated, mode 0600) instead of stdout; its directory must be writable by you alone. A daemon started in the background logs to <dataDir>/logs/aistackd.log.',
      ),
  })
  .prefault({})
  .describe('Daemon logs (JSON lines; secrets are always masked).');

export const storageConfigSchema = z
  .strictObject({
    synchronous: z
      .enum(['normal', 'full'])
      .default('normal')
      .describe(
        'SQLite synchronous mode in WAL: "normal" survives a crash of the daemon; "full" also survives power loss, at a cost per write.',
      ),
    busyTimeoutMs: z
      .number()
      .int()
      .min(0)
      .max(60_000)
      .default(5_000)
      .describe('SQLite busy_timeout.'),
    walAutocheckpointPages: z
      .number()
      .int()
      .min(0)
      .max(1_000_000)
      .default(1000)
      .describe(
        'SQLite wal_autocheckpoint: after a commit leaves the WAL at this many pages, the daemon checkpoints it (0 turns that off; the periodic and idle checkpoints still run).',
      ),
    checkpointIntervalMs: z
      .number()
      .int()
      .min(1000)
      .max(3_600_000)
      .default(30_000)
      .describe(
        'Run a PASSIVE WAL checkpoint this often; after 2 s without requests the daemon also truncates the WAL to 0 bytes.',
      ),
  })
  .prefault({})
  .describe('The SQLite database.');

export const sessionsConfigSchema = z
  .strictObject({
    idleTimeoutMinutes: z
      .number()
      .min(0.01)
      .max(7 * 24 * 60)
      .default(120)
      .describe(
        'A session idle longer than this is ended by the cleanup job (its own idleTimeoutMinutes wins).',
      ),
  })
  .prefault({})
  .describe('Client sessions.');

export const auditConfigSchema = z
  .strictObject({
    rotateSize: z
      .string()
      .regex(/^\d+[kmg]$/, 'a size like "500k", "10m" or "1g"')
      .default('10m')
      .describe('Start a new audit file when the current one passes this size.'),
    rotateFrequency: z
      .enum(['daily', 'hourly'])
      .nullable()
      .default('daily')
      .describe('Also start a new audit file every day or hour (null: by size only).'),
    keep: z
      .number()
      .int()
      .min(1)
      .max(1000)
      .default(100)
      .describe(
        'At most this many audit files, the current one included (a cap on disk use). Deleting a file with records younger than audit.retentionDays to stay under it is remembered, and `audit verify` and `doctor` fail naming the range lost.',
      ),
    retentionDays: z
      .number()
      .min(0.01)
      .max(3650)
      .default(90)
      .describe(
        'Audit files whose newest record is older than this are pruned (normal: `audit verify` notes where the chain starts); younger records are never pruned silently.',
      ),
    aggregateWindowSeconds: z
      .number()
      .min(0)
      .max(3600)
      .default(10)
      .describe(
        'Identical refusals (same event, code, method, session, connection, …) within this many seconds of the first are written as one record with `count`, `firstTime`, `lastTime`; the first is written at once. 0 writes every one.',
      ),
  })
  .prefault({})
  .describe(
    'The tamper-evident audit log in <dataDir>/audit (JSON lines, hash-chained, files 0600).',
  );

const job = (schedule: string, enabled: boolean, what: string) =>
  z
    .strictObject({
      enabled: z.boolean().default(enabled),
      schedule: z
        .string()
        .refine(validCron, 'not a valid cron expression (5 or 6 fields, e.g. "*/5 * * * *")')
        .default(schedule),
    })
    .prefault({})
    .describe(what);

export const jobsConfigSchema = z
  .strictObject({
    sessionsCleanup: job('*/5 * * * *', true, 'End sessions idle longer than their timeout.'),
    keysReminder: job(
      '0 9 * * *',
      true,
      'Record provider key fingerprints; warn when a key is older than security.keyRotationDays.',
    ),
    auditRotate: job(
      '15 0 * * *',
      true,
      'Check the audit chain and prune by age (pino-roll rotates by size/day; pruning runs after each roll too).',
    ),
    backup: z
      .strictObject({
        enabled: z.boolean().default(false),
        schedule: z.string().refine(validCron, 'not a valid cron expression').default('30 3 * * *'),
        keep: z
          .number()
          .int()
          .min(1)
          .max(365)
          .default(7)
          .describe('How many backups to keep in <dataDir>/backups.'),
        includeSessions: z
          .boolean()
          .default(false)
          .describe(
            'Keep the sessions (their rows and tokens, private session:* entries, agents and tasks) in scheduled backups; by default they are left out.',
          ),
      })
      .prefault({})
      .describe('Online backup of the database into <dataDir>/backups (0600).'),
  })
  .prefault({})
  .describe(
    'Scheduled jobs (node-cron expressions); each can also run now with `aistack jobs run NAME`.',
  );

export const securityConfigSchema = z
  .strictObject({
    keyRotationDays: z
      .number()
      .int()
      .min(1)
      .max(3650)
      .default(90)
      .describe('Remind to rotate a provider key older than this.'),
    maxBackupAgeDays: z
      .number()
      .min(0.01)
      .max(3650)
      .default(7)
      .describe(
        '`aistack doctor` warns when the newest backup in <dataDir>/backups is older than this.',
      ),
  })
  .prefault({})
  .describe('Security reminders.');

export const configSchema = z.strictObject({
  $schema: z.string().optional().describe('Path or URL of this JSON Schema, for editors.'),
  dataDir: z
    .string()
    .min(1)
    .optional()
    .describe(
      'Data directory (database, logs, audit, backups). Overridden by --data-dir and $AISTACK_DATA_DIR; default $XDG_DATA_HOME/aistack.',
    ),
  daemon: daemonConfigSchema,
  logging: loggingConfigSchema,
  storage: storageConfigSchema,
  sessions: sessionsConfigSchema,
  audit: auditConfigSchema,
  jobs: jobsConfigSchema,
  security: securityConfigSchema,
  providers: providersConfigSchema,
  github: githubConfigSchema,
  http: httpConfigSchema,
  memory: memoryConfigSchema,
  plugins: pluginsConfigSchema,
  agents: agentsConfigSchema,
  tasks: tasksConfigSchema,
  defaultProvider: z
    .enum(['anthropic', 'openai', 'ollama'])
    .optional()
    .describe('Provider used when a task names none.'),
});

export type Config = z.output<typeof configSchema>;
export type ConfigInput = z.input<typeof configSchema>;

/** The embedded defaults: what the daemon runs with when there is no config file. */
export function defaultConfig(): Config {
  return configSchema.parse({});
}
