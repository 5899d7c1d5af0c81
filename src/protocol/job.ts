/**
 * `system.jobs` and `jobs.run` on the wire: the scheduled jobs, for the local user.
 */
import { z } from 'zod';
import { backupResultSchema } from './backup.js';
import { defineMethod } from './method.js';
import { PROVIDER_NAMES } from './provider.js';

const iso = z.iso.datetime();
const count = z.number().int().min(0);

/** What each of the daemon's jobs reports when it succeeds. */
const jobResultSchema = z.union([
  z
    .strictObject({ ended: z.array(z.string()) })
    .describe('sessions.cleanup: the ids of the sessions it ended.'),
  z
    .strictObject({ keys: count, rotationDue: z.array(z.enum(PROVIDER_NAMES)) })
    .describe('keys.reminder: keys checked, and the providers whose key is due for rotation.'),
  z
    .strictObject({ records: count, files: count })
    .describe('audit.rotate: records in the verified chain, and retained files.'),
  z
    .strictObject({ pruned: count })
    .describe('memory.historyPrune: the earlier versions it deleted.'),
  z
    .strictObject({ expired: count, forgotten: count })
    .describe(
      'memory.expire: the expired entries it deleted, and the deletions older than memory.changes.retentionDays it forgot.',
    ),
  backupResultSchema
    .extend({ pruned: z.array(z.string()).describe('Older backups it deleted.') })
    .describe('backup: the file written, and the old backups pruned.'),
]);

export type JobResult = z.output<typeof jobResultSchema>;

/** How a job's last run went. */
const jobRunSchema = z.strictObject({
  startedAt: iso,
  finishedAt: iso,
  trigger: z.enum(['scheduled', 'manual']),
  ok: z.boolean(),
  result: jobResultSchema.optional().describe('What the job reported, when ok.'),
  error: z.string().optional().describe('Why it failed, when not ok.'),
});

export const jobMethods = [
  defineMethod({
    name: 'system.jobs',
    description:
      'Each scheduled job: schedule, enabled, running, last run (result or error) and next run.',
    params: z.strictObject({}).prefault({}),
    result: z.strictObject({
      jobs: z.array(
        z.strictObject({
          name: z.string(),
          description: z.string(),
          schedule: z.string().describe('A cron expression.'),
          enabled: z.boolean(),
          running: z.boolean(),
          lastRun: jobRunSchema.nullable(),
          nextRun: iso.nullable().describe('Null when the job is not scheduled.'),
        }),
      ),
    }),
    access: 'local',
    scope: 'admin',
  }),
  defineMethod({
    name: 'jobs.run',
    description:
      'Runs a job now and returns how it went (refused while the job is already running).',
    params: z.strictObject({ name: z.string().min(1).max(64) }),
    result: jobRunSchema,
    access: 'local',
    scope: 'admin',
    timeoutMs: null,
  }),
];
