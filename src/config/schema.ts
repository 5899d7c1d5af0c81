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
import { daemonConfigSchema } from './schema-daemon.js';
import { httpConfigSchema } from './schema-http.js';
import { providersConfigSchema } from './schema-providers.js';

export {
  agentsConfigSchema,
  daemonConfigSchema,
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
    memoryHistoryPrune: job(
      '40 * * * *',
      true,
      "Trim every entry's kept versions to memory.history.keep (writes trim their own entry as they go).",
    ),
    memoryExpire: job(
      '* * * * *',
      true,
      'Delete entries whose expiry has passed (reads never return them even before), and forget deletions older than memory.changes.retentionDays.',
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
