/**
 * Opening the audit log with the configured rotation, in `<dataDir>/audit`, its chain
 * head and pruning record kept wherever the caller says (the live database, which a
 * restore replaces).
 */
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { Config } from '../config/schema.js';
import type { Redactor } from '../config/secrets.js';
import type { AuditHeadStore } from '../services/audit/audit-files.js';
import type { AuditPruningStore } from '../services/audit/audit-retention.js';
import { AuditLog } from '../services/audit/audit-log.js';

export function openAuditLog(o: {
  config: Config;
  dataDir: string;
  redactor: Redactor;
  head: AuditHeadStore;
  pruning: AuditPruningStore;
  logger: Logger;
  clock?: () => Date;
}): Promise<AuditLog> {
  const a = o.config.audit;
  return AuditLog.open({
    dir: join(o.dataDir, 'audit'),
    redactor: o.redactor,
    rotation: {
      size: a.rotateSize,
      ...(a.rotateFrequency && { frequency: a.rotateFrequency }),
      keep: a.keep,
      retentionDays: a.retentionDays,
    },
    head: o.head,
    pruning: o.pruning,
    aggregateWindowMs: a.aggregateWindowSeconds * 1000,
    logger: o.logger,
    ...(o.clock && { clock: o.clock }),
  });
}
