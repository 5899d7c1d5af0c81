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
  durationMs: count,
});

export const backupMethods = [
  defineMethod({
    name: 'backup.create',
    description:
      'Writes an online backup (a consistent snapshot; clients keep writing meanwhile) to `out`, or to <dataDir>/backups/aistack-<timestamp>.db. The file is 0600; an existing file is replaced only with `force`.',
    params: z
      .strictObject({
        out: filePath.optional().describe('Absolute path of the backup file to write.'),
        force: z.boolean().default(false).describe('Replace `out` if it exists.'),
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
      'Checks a backup file: PRAGMA integrity_check, schema versions this aistack knows, every table they need; returns row counts per table. `ok` is false with `problems` otherwise.',
    params: z.strictObject({ file: filePath.describe('Absolute path of the backup file.') }),
    result: z.strictObject({
      ok: z.boolean(),
      integrity: z
        .union([z.literal('ok'), z.array(z.string())])
        .describe('"ok", or the problems integrity_check found (at most 20).'),
      tables: tableCounts,
      schemaVersions: z.array(z.number().int()),
      problems: z.array(z.string()).describe('Empty when ok.'),
      bytes: count,
    }),
    access: 'local',
    scope: 'admin',
  }),
  defineMethod({
    name: 'backup.restore',
    description:
      'Verifies a backup file, then swaps it in as the live database: requests wait meanwhile, the previous database is kept as aistack.db.<timestamp>.bak, sessions and entries are those of the backup.',
    params: z.strictObject({ file: filePath.describe('Absolute path of the backup file.') }),
    result: z.strictObject({
      restored: z.literal(true),
      from: z.string(),
      keptAs: z.string().describe('Where the previous database was kept.'),
      entries: count.describe('Memory entries in the restored database.'),
      tables: tableCounts,
      durationMs: count,
    }),
    access: 'local',
    scope: 'admin',
    timeoutMs: null,
  }),
];
