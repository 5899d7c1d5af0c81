/**
 * `backup.*` on the wire: online backup, verification and restore of the daemon's
 * database. Local only: these read and write files wherever the user names and replace
 * the whole store, so they are for the user's own tools, never offered to MCP clients.
 * The daemon runs as the same user as the CLI, so it may write where the user asks —
 * always 0600, and never over an existing file unless `force` says so.
 */
import { isAbsolute } from 'node:path';
import { z } from 'zod';
import { defineMethod } from './method.js';

const filePath = z
  .string()
  .min(1)
  .max(4096)
  .refine((p) => !p.includes('\0'), 'must not contain a NUL character')
  .refine((p) => isAbsolute(p), 'must be an absolute path');

const count = z.number().int().min(0);
const tableCounts = z
  .record(z.string(), count.nullable())
  .describe('Rows per table; null for a table that could not be counted.');

export const backupResultSchema = z.strictObject({
  path: z.string().describe('The backup file written.'),
  bytes: count,
  pages: count,
  includeSessions: z
    .boolean()
    .describe('Whether the sessions (rows, tokens, private entries, agents, tasks) are in it.'),
  leftOut: z
    .strictObject({ sessions: count, entries: count, agents: count, tasks: count })
    .describe('What was left out of the file: all 0 with includeSessions.'),
  durationMs: count,
});

const schemaDifference = z.strictObject({
  difference: z
    .enum(['extra', 'missing', 'different'])
    .describe("Only in the file, only in aistack's schema, or in both with different SQL."),
  type: z.enum(['table', 'index', 'trigger', 'view']),
  name: z.string(),
  table: z.string().describe('The table it belongs to.'),
  sql: z
    .string()
    .nullable()
    .describe("The file's SQL (cut at 1,000 characters); null when missing."),
  onRestore: z
    .enum(['left out', 'recreated', 'rebuilt', 'refused'])
    .describe(
      "What a restore does: leaves out what is not aistack's, recreates its own index, trigger or view, rebuilds the full-text index from the entries, refuses the file for a table it cannot trust.",
    ),
});

export const backupMethods = [
  defineMethod({
    name: 'backup.create',
    description:
      'Writes an online backup (a consistent snapshot; clients keep writing meanwhile) to `out`, or to <dataDir>/backups/aistack-<timestamp>.db. The file is 0600; an existing file is replaced only with `force`. Sessions (their private entries, rows and tokens, agents and tasks) are left out unless `includeSessions`.',
    params: z
      .strictObject({
        out: filePath.optional().describe('Absolute path of the backup file to write.'),
        force: z.boolean().default(false).describe('Replace `out` if it exists.'),
        includeSessions: z
          .boolean()
          .default(false)
          .describe('Keep the sessions and their private namespaces in the backup.'),
      })
      .prefault({}),
    result: backupResultSchema,
    access: 'local',
    scope: 'admin',
    timeoutMs: null,
  }),
  defineMethod({
    name: 'backup.verify',
    description:
      "Checks a backup file: PRAGMA integrity_check, schema versions this aistack knows, and its whole schema against aistack's own (every extra, missing or different table, index, trigger and view, with what a restore does about it); returns row counts per table. `ok` is false, with `problems`, when the file cannot be restored.",
    params: z.strictObject({ file: filePath.describe('Absolute path of the backup file.') }),
    result: z.strictObject({
      ok: z.boolean(),
      integrity: z
        .union([z.literal('ok'), z.array(z.string())])
        .describe('"ok", or the problems integrity_check found (at most 20).'),
      tables: tableCounts,
      schemaVersions: z.array(z.number().int()),
      schema: z
        .strictObject({
          matches: z
            .boolean()
            .describe('True when the schema is exactly what its versions create.'),
          differences: z.array(schemaDifference),
        })
        .nullable()
        .describe(
          'Null when the schema could not be compared (not an aistack database, or newer).',
        ),
      problems: z.array(z.string()).describe('Empty when ok.'),
      bytes: count,
    }),
    access: 'local',
    scope: 'admin',
  }),
  defineMethod({
    name: 'backup.restore',
    description:
      "Verifies a backup file, rebuilds a database from its rows under aistack's own schema (the file's schema is never used), then swaps that in as the live database: requests wait meanwhile, the previous database is kept as aistack.db.<timestamp>.bak. Every session ends: the backup's (their private entries deleted) and the ones active until then.",
    params: z.strictObject({ file: filePath.describe('Absolute path of the backup file.') }),
    result: z.strictObject({
      restored: z.literal(true),
      from: z.string(),
      keptAs: z.string().describe('Where the previous database was kept.'),
      entries: count.describe('Memory entries in the restored database.'),
      tables: tableCounts,
      leftOut: z
        .array(z.string())
        .describe(
          'Schema objects of the file that are not aistack\'s and were not restored ("trigger name").',
        ),
      sessionsEnded: z.strictObject({
        fromBackup: count.describe('Sessions active in the backup, now ended.'),
        entries: count.describe('Entries of session namespaces in the backup, deleted.'),
        live: count.describe(
          'Sessions active until the restore, which the restored database does not know.',
        ),
      }),
      durationMs: count,
    }),
    access: 'local',
    scope: 'admin',
    timeoutMs: null,
  }),
];
