/** Audit records a test daemon wrote (read from its audit files), details flattened for matching. */
import { join } from 'node:path';
import { listAuditFiles, readRecordLines } from '../../src/services/audit/audit-files.js';
import type { TestDaemon } from './daemon.js';

export type AuditRecord = Record<string, unknown> & { event: string; seq: number };

export function auditRecords(d: Pick<TestDaemon, 'dataDir'>): AuditRecord[] {
  return listAuditFiles(join(d.dataDir, 'audit')).flatMap((file) =>
    (readRecordLines(file.path) ?? []).map((line) => {
      const { details, event, seq } = JSON.parse(line) as {
        details?: Record<string, unknown>;
        event: string;
        seq: number;
      };
      return { ...details, event, seq };
    }),
  );
}
