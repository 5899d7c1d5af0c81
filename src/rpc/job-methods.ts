/**
 * `system.jobs` and `jobs.run`: the scheduled jobs, for the local user.
 */
import { z } from 'zod';
import { defineMethod } from './method.js';

export const jobMethods = [
  defineMethod({
    name: 'system.jobs',
    description:
      'Each scheduled job: schedule, enabled, running, last run (result or error) and next run.',
    params: z.strictObject({}).prefault({}),
    access: 'local',
    handler: (_p, { services }) => ({ jobs: services.jobs.list() }),
  }),
  defineMethod({
    name: 'jobs.run',
    description:
      'Runs a job now and returns how it went (refused while the job is already running).',
    params: z.strictObject({ name: z.string().min(1).max(64) }),
    access: 'local',
    handler: (p, { services }) => services.jobs.runNow(p.name),
  }),
];
