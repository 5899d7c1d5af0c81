/**
 * Security events. The sessions issue replaces the body of this with the hash-chained,
 * rotated audit file; callers only ever see `record`.
 */
import type { Logger } from 'pino';

export interface AuditSink {
  record(event: string, details?: Record<string, unknown>): void;
}

export function loggerAudit(logger: Logger): AuditSink {
  return {
    record(event, details = {}) {
      logger.warn({ audit: true, event, ...details }, `audit: ${event}`);
    },
  };
}
