/** Audit records a test daemon wrote, parsed. */
import type { TestDaemon } from './daemon.js';

export type AuditRecord = Record<string, unknown> & { event: string };

export function auditRecords(d: TestDaemon): AuditRecord[] {
  return d
    .logs()
    .split('\n')
    .filter((l) => l.includes('"audit":true'))
    .map((l) => JSON.parse(l) as AuditRecord);
}
