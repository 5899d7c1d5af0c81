/**
 * `audit.*`: check the audit chain and read its newest records. Local only: the audit log
 * records what clients (models among them) tried to do, so it is for the user's own
 * tools, never offered to MCP clients.
 */
import { z } from 'zod';
import { defineMethod } from './method.js';

export const auditMethods = [
  defineMethod({
    name: 'audit.verify',
    description:
      'Checks the hash chain across all retained audit files and against the saved chain head; when broken, names the first bad record (file, line, seq) and why.',
    params: z.strictObject({}).prefault({}),
    access: 'local',
    handler: (_p, { services }) => services.audit.verify(),
  }),
  defineMethod({
    name: 'audit.tail',
    description:
      'The newest audit records, oldest first: up to `limit` (default 50), only events starting with `type` if given, only records after `afterSeq` if given.',
    params: z
      .strictObject({
        limit: z.number().int().min(1).max(1000).default(50),
        type: z.string().min(1).max(100).optional(),
        afterSeq: z.number().int().min(0).optional(),
      })
      .prefault({}),
    access: 'local',
    handler: (p, { services }) => ({ records: services.audit.tail(p) }),
  }),
];
