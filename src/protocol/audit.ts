/**
 * `audit.*` on the wire: check the audit chain and read its newest records. Local only:
 * the audit log records what clients (models among them) tried to do, so it is for the
 * user's own tools, never offered to MCP clients.
 */
import { z } from 'zod';
import { defineMethod } from './method.js';

const seq = z.number().int().min(1);

/** One audit record as written to the log (one JSON line). */
const auditRecordSchema = z.strictObject({
  seq,
  time: z.string().describe('When it was written (ISO 8601).'),
  event: z.string().describe('What happened, e.g. "session.start" or "access.denied".'),
  prevHash: z
    .string()
    .regex(/^[0-9a-f]{64}$/)
    .describe('SHA-256 (hex) of the line before it; zeros for the first.'),
  details: z.record(z.string(), z.unknown()).optional(),
});

export type AuditRecord = z.output<typeof auditRecordSchema>;

const auditLossSchema = z.strictObject({
  firstSeq: seq,
  lastSeq: seq,
  firstTime: z.string(),
  lastTime: z.string(),
  deletedAt: z.string().describe('When the daemon deleted them.'),
});

const auditVerifySchema = z.discriminatedUnion('ok', [
  z.strictObject({
    ok: z.literal(true),
    records: z.number().int().min(0),
    files: z.array(z.string()).describe('Retained files, oldest first (names in the audit dir).'),
    firstSeq: seq.nullable(),
    lastSeq: seq.nullable(),
    headChecked: z
      .boolean()
      .describe('False when no chain head was saved, so a cut-off end could not be detected.'),
    notes: z
      .array(z.string())
      .describe('Normal but worth knowing: where retention starts the chain, old losses.'),
  }),
  z.strictObject({
    ok: z.literal(false),
    file: z.string().nullable().describe('The file of the first bad record.'),
    line: z.number().int().min(1).nullable().describe('Its 1-based line.'),
    seq: seq.nullable().describe('The seq found there, or the one expected.'),
    reason: z.string(),
    lost: z
      .array(auditLossSchema)
      .optional()
      .describe('Ranges deleted by the audit.keep cap while younger than audit.retentionDays.'),
  }),
]);

export type AuditVerifyResult = z.output<typeof auditVerifySchema>;

export const auditMethods = [
  defineMethod({
    name: 'audit.verify',
    description:
      'Checks the hash chain across all retained audit files, against the saved chain head and against what the daemon pruned; when broken, names the first bad record (file, line, seq) or the range of young records lost, and why.',
    params: z.strictObject({}).prefault({}),
    result: auditVerifySchema,
    access: 'local',
    scope: 'admin',
  }),
  defineMethod({
    name: 'audit.tail',
    description:
      'The newest audit records, oldest first: up to `limit` (default 50), only events starting with `type` if given, only records after `afterSeq` or before `beforeSeq` if given, only records about session `sessionId` (details.sessionId), only records written from `since` until before `until`. Page back with beforeSeq = the first seq shown. A reply never exceeds daemon.replyBudgetBytes: when it stops early it says truncated: true; call again with afterSeq = the last seq shown for the rest.',
    params: z
      .strictObject({
        limit: z.number().int().min(1).max(1000).default(50),
        type: z.string().min(1).max(100).optional(),
        afterSeq: z.number().int().min(0).optional(),
        beforeSeq: z.number().int().min(1).optional(),
        sessionId: z.string().min(1).max(100).optional(),
        since: z.iso.datetime({ offset: true }).optional(),
        until: z.iso.datetime({ offset: true }).optional(),
      })
      .prefault({}),
    result: z.strictObject({
      records: z.array(auditRecordSchema),
      truncated: z
        .boolean()
        .describe(
          'True when the reply budget (daemon.replyBudgetBytes) left out the newest records.',
        ),
    }),
    access: 'local',
    scope: 'admin',
  }),
];
