/**
 * `system.doctor` on the wire: the checks of the security checklist that need the
 * daemon's own view (its audit log, its Node and SQLite, its backups), each with a fix.
 * `aistack doctor` merges them with the checks it makes locally; the dashboard's
 * overview shows them. Local and admin: the anomaly check names connections and sessions.
 */
import { z } from 'zod';
import { defineMethod } from './method.js';

export const DOCTOR_STATUSES = ['PASS', 'WARN', 'FAIL'] as const;
export type DoctorStatus = (typeof DOCTOR_STATUSES)[number];

/** The checks `system.doctor` makes, in its order (`aistack doctor` lists them as skipped without a daemon). */
export const DOCTOR_CHECK_NAMES = [
  'anomalies',
  'node-eol',
  'sqlite',
  'native-module',
  'backup',
  'backup-mode',
  'backup-verify',
  'backup-sessions',
] as const;

/** At most this many checks in one reply (there are fewer; the bound keeps the reply bounded). */
export const MAX_DOCTOR_CHECKS = 32;

export const doctorCheckSchema = z.strictObject({
  name: z.string().min(1).max(64).describe('Stable id, e.g. "anomalies" or "backup-verify".'),
  status: z.enum(DOCTOR_STATUSES),
  detail: z.string().max(2000).describe('What was found, in one or two sentences.'),
  fix: z.string().max(1000).nullable().describe('How to fix it; null on PASS.'),
});

export type DoctorCheck = z.output<typeof doctorCheckSchema>;

const iso = z.iso.datetime();

export const doctorMethods = [
  defineMethod({
    name: 'system.doctor',
    description:
      "The daemon's part of `aistack doctor`: audit-log anomalies (refusals, failed authentications, invalid requests, plugin refusals) against the usual rate, Node's end of life, the SQLite version, the native module, and the newest backup's age, mode, verification and session data. Each check is PASS, WARN or FAIL with a fix. `mark` (the CLI's run) starts the next anomaly window here.",
    params: z
      .strictObject({
        mark: z
          .boolean()
          .default(false)
          .describe(
            'Count this as a doctor run: the next anomaly check looks only at what came after it.',
          ),
      })
      .prefault({}),
    result: z.strictObject({
      checks: z.array(doctorCheckSchema).max(MAX_DOCTOR_CHECKS),
      anomalyWindow: z
        .strictObject({
          since: iso,
          until: iso,
          from: z
            .enum(['last-run', '24h'])
            .describe('Since the last marked doctor run (within 24 h), or the last 24 hours.'),
        })
        .describe('The stretch of the audit log the anomaly check looked at.'),
      durationMs: z.number().int().min(0),
    }),
    access: 'local',
    scope: 'admin',
    // Bounds its own time: the audit scan by bytes, the backup check by a worker timeout.
    timeoutMs: null,
  }),
];
