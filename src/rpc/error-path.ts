/**
 * The one error path. Every error reply the daemon sends — a parse error, an invalid
 * request object, an unknown method, bad params, a handler's AppError, a timeout, a
 * connection refused past the cap or while stopping, an oversized line — is built by
 * `fail()`: `data.code` set, secrets scrubbed from message and data, the error counted
 * under its metric bucket, and an audit record written when the error table
 * (protocol/error-codes.ts) says dispatch audits that code — unless the calling
 * connection is past its refusal threshold (refusal-tally.ts), whose refusals are then
 * counted and audited together.
 */
import type { Logger } from 'pino';
import { AppError, type ErrorCode } from '../core/errors.js';
import type { Redactor } from '../config/secrets.js';
import { ERROR_AUDIT, ERROR_NUMBERS } from '../protocol/error-codes.js';
import type { AuditSink } from '../services/audit/audit-sink.js';
import { ConnectionClosed } from './dispatch-connection.js';
import type { RequestId } from './envelope.js';
import type { Bucket, RequestMetrics } from './metrics.js';
import { RefusalTally, type RefusalLimits } from './refusal-tally.js';

export interface ErrorReply {
  jsonrpc: '2.0';
  id: RequestId;
  error: { code: number; message: string; data: { code: ErrorCode } & Record<string, unknown> };
}

/** Which request failed, for the reply, the metrics and the audit record. */
export interface FailedRequest {
  id: RequestId;
  bucket: Bucket;
  connection: number;
  /** The method as the caller spelled it (cut in the audit record, its length kept). */
  method?: string;
  /** The calling connection's refusal counts (absent for lines sent before a connection exists). */
  refusals?: RefusalTally;
}

const MAX_AUDITED_METHOD_CHARS = 100;
/** A method name in an audit record (as audit-bounds.ts cuts them). */
const AUDITED_METHOD_CHARS = 200;

/** A name or message cut to a size fit for an audit record or a log line. */
export function clip(text: string, max = MAX_AUDITED_METHOD_CHARS): string {
  return text.length <= max ? text : `${text.slice(0, max)}… (${text.length} chars)`;
}

export class ErrorPath {
  constructor(
    private readonly deps: {
      metrics: RequestMetrics;
      redactor: Redactor;
      logger: Logger;
      audit: () => AuditSink;
      refusalLimits: () => RefusalLimits;
    },
  ) {}

  fail(
    where: FailedRequest,
    code: ErrorCode,
    message: string,
    data?: Record<string, unknown>,
  ): ErrorReply {
    const { redactor, metrics } = this.deps;
    metrics.error(where.bucket, code);
    const text = redactor.scrubText(message);
    const audited = ERROR_AUDIT[code];
    let ownRecord = true;
    if (where.refusals && audited !== 'no' && RefusalTally.counts(code)) {
      // A connection that keeps being refused is counted, not audited line by line.
      const noted = where.refusals.note(code, this.deps.refusalLimits());
      ownRecord = noted.ownRecord;
      if (noted.previous) this.deps.audit().record('connection.refusals', { ...noted.previous });
    }
    if (audited === 'dispatch' && ownRecord) {
      const method = where.method ?? where.bucket;
      this.deps.audit().record('request.refused', {
        code,
        // Cut as the audit log would cut it, with the length it had.
        method: method.slice(0, AUDITED_METHOD_CHARS),
        ...(method.length > AUDITED_METHOD_CHARS && { methodLength: method.length }),
        connection: where.connection,
        message: clip(text, 300),
      });
    }
    const scrubbed = data ? (redactor.scrub(data) as Record<string, unknown>) : {};
    return {
      jsonrpc: '2.0',
      id: where.id,
      error: { code: ERROR_NUMBERS[code], message: text, data: { ...scrubbed, code } },
    };
  }

  /** Anything thrown by a call: an AppError keeps its code, the rest is INTERNAL (logged, never sent). */
  fromThrown(where: FailedRequest, err: unknown): ErrorReply {
    if (err instanceof ConnectionClosed) {
      // Counted, but neither audited nor logged as a failure: the caller hung up and
      // nobody will read this reply.
      this.deps.metrics.error(where.bucket);
      return {
        jsonrpc: '2.0',
        id: where.id,
        error: { code: 0, message: err.message, data: { code: 'INTERNAL' } },
      };
    }
    if (err instanceof AppError) return this.fail(where, err.code, err.message, err.data);
    this.deps.logger.error({ err, method: where.method }, 'unexpected error in a method handler');
    return this.fail(where, 'INTERNAL', 'internal error (see the daemon log)');
  }
}
