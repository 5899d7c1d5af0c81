/**
 * `system.*` and `config.reload` on the wire: liveness, status, health, the method
 * catalogue, shutdown and reload, each with the schema of its answer.
 */
import { z } from 'zod';
import { METHOD_SCOPES } from './scopes.js';
import { defineMethod } from './method.js';
import { PROVIDER_NAMES } from './provider.js';

const empty = z.strictObject({}).prefault({});
const count = z.number().int().min(0);
const iso = z.iso.datetime();

const requestCounts = z.strictObject({ requests: count, errors: count });

const checkpointRecord = z.strictObject({
  at: iso,
  mode: z.enum(['passive', 'truncate']),
  busy: count
    .max(1)
    .describe('1 when the checkpoint could not finish (another connection held the database).'),
  // SQLite reports -1 for both when the database is not in WAL mode.
  log: z.number().int().min(-1).describe('WAL frames before the checkpoint.'),
  checkpointed: z.number().int().min(-1).describe('WAL frames that reached the database.'),
  walBytesBefore: count,
  walBytesAfter: count,
  durationMs: z.number().min(0),
});

/** A provider key by fingerprint and age; never the key. */
const keyStatusSchema = z.strictObject({
  provider: z.enum(PROVIDER_NAMES),
  fingerprint: z.string().describe('First 12 hex characters of sha256(key).'),
  firstSeenAt: iso,
  ageDays: z.number().int(),
  rotationDue: z.boolean().describe('Older than security.keyRotationDays.'),
  rotatedAt: iso.nullable(),
});

/** A plain-http provider (allowInsecureHttp) or disabled TLS certificate checks. */
const insecureTransportSchema = z.strictObject({
  code: z.enum(['PROVIDER_INSECURE_HTTP', 'TLS_VERIFY_DISABLED']),
  field: z.string().describe('The config path or environment variable to change.'),
  message: z.string(),
  fix: z.string(),
});

/**
 * Which optional features can work under the configuration in force now (it changes on
 * `config reload`): the MCP shim lists only the tools that can.
 */
export const featuresSchema = z
  .strictObject({
    github: z.boolean().describe('github.enabled: the github.* methods can run.'),
    providers: z
      .boolean()
      .describe('At least one LLM provider is configured: agents and tasks can run.'),
  })
  .describe('Optional features usable under the configuration in force now.');

/**
 * Sent after a config reload that changed something, to the connections that asked with
 * `config.watch` (only those: a client that did not ask never gets an unsolicited line).
 */
export const CONFIG_CHANGED_NOTIFICATION = 'config.changed';

const statusResult = z.strictObject({
  version: z.string(),
  pid: z.number().int(),
  node: z.string().describe('The Node.js version.'),
  uptimeSeconds: count,
  startedAt: iso,
  socket: z.string(),
  dataDir: z.string(),
  configFile: z.string().nullable().describe('The config file read; null when on defaults.'),
  database: z.strictObject({
    path: z.string(),
    sizeBytes: count,
    walBytes: count,
    walAutocheckpointPages: count,
    lastCheckpoint: checkpointRecord.nullable(),
    checkpoints: z.strictObject({ passive: count, truncate: count, busy: count }),
  }),
  uid: z.number().int().nullable(),
  memoryRssBytes: count,
  connections: z.strictObject({ current: count, max: count }),
  requests: z.strictObject({
    total: requestCounts,
    byMethod: z.record(z.string(), requestCounts).describe('Counts per method name.'),
  }),
  keys: z.array(keyStatusSchema),
  insecureTransport: z
    .array(insecureTransportSchema)
    .describe('What exposes keys or prompts on the wire; empty when nothing does.'),
  features: featuresSchema,
});

/** A method as `system.methods` lists it (see `describeMethod`). */
const methodDescription = z.strictObject({
  name: z.string(),
  description: z.string(),
  access: z.enum(['public', 'local']),
  scope: z.enum(METHOD_SCOPES),
  mcpTool: z.string().nullable(),
  params: z.record(z.string(), z.unknown()).describe('JSON Schema of the params.'),
  result: z.record(z.string(), z.unknown()).describe('JSON Schema of the result.'),
});

/** A config value as the reload reports it (secrets masked). */
const configValue = z.json().describe('The setting, as JSON; secrets are masked.');

export const systemMethods = [
  defineMethod({
    name: 'system.ping',
    description:
      'Answers `pong` with the server time. `delayMs` (≤ 10 s) delays the answer, for testing client timeouts and shutdown.',
    params: z
      .strictObject({ delayMs: z.number().int().min(0).max(10_000).optional() })
      .prefault({}),
    result: z.strictObject({ pong: z.literal(true), time: iso }),
    access: 'public',
    scope: 'system:read',
    http: { method: 'GET', path: '/ping' },
  }),
  defineMethod({
    name: 'system.status',
    description:
      'Version, pid, uptime, socket, data dir, database size, connections, and request and error counts per method.',
    params: empty,
    result: statusResult,
    access: 'public',
    scope: 'system:read',
    mcpTool: 'system_status',
    http: { method: 'GET', path: '/status' },
  }),
  defineMethod({
    name: 'system.health',
    description:
      'Checks that the daemon can read and write its database; `ok` is false with reasons otherwise.',
    params: empty,
    result: z.strictObject({
      ok: z.boolean(),
      problems: z.array(z.string()).describe('Empty when ok.'),
    }),
    access: 'public',
    scope: 'system:read',
    mcpTool: 'system_health',
    http: { method: 'GET', path: '/health' },
  }),
  defineMethod({
    name: 'system.methods',
    description:
      'Lists every method with its description, access and the JSON Schemas of its params and result.',
    params: empty,
    result: z.strictObject({ methods: z.array(methodDescription) }),
    access: 'public',
    scope: 'system:read',
    http: { method: 'GET', path: '/methods' },
  }),
  defineMethod({
    name: 'system.shutdown',
    description:
      'Stops the daemon gracefully after answering: in-flight requests finish, the socket is removed.',
    params: empty,
    result: z.strictObject({ stopping: z.literal(true), pid: z.number().int() }),
    access: 'local',
    scope: 'admin',
  }),
  defineMethod({
    name: 'config.watch',
    description:
      'From now on this connection gets a `config.changed` notification (no params) after every config reload that changed a setting, so it can re-read what depends on the config (system.status `features`). Socket connections only; calling it again changes nothing.',
    params: empty,
    result: z.strictObject({
      watching: z.literal(true),
      notification: z.literal(CONFIG_CHANGED_NOTIFICATION),
    }),
    access: 'public',
    scope: 'system:read',
  }),
  defineMethod({
    name: 'config.reload',
    description: 'Re-reads the configuration file (as SIGHUP does) and reports what changed.',
    params: empty,
    result: z.strictObject({
      file: z.string().nullable().describe('The config file read; null when on defaults.'),
      changed: z.array(
        z.strictObject({
          path: z.string().describe('Dotted setting path, e.g. "daemon.maxConnections".'),
          from: configValue,
          to: configValue,
          appliedLive: z.boolean().describe('False: takes effect after a restart.'),
        }),
      ),
    }),
    access: 'local',
    scope: 'admin',
  }),
];
