/**
 * Agents and tasks belong to one session. A row of another session answers exactly as
 * a row that does not exist (NOT_FOUND, same message), so ids cannot be probed, and the
 * attempt is audited as `access.denied` with who asked and what — never a token.
 */
import { AppError } from '../../core/errors.js';
import type { Caller, Operation } from './access-control.js';
import type { AuditSink } from '../audit/audit-sink.js';

export function ownedBy<T extends { session_id: string }>(
  row: T | undefined,
  what: 'agent' | 'task',
  id: string,
  caller: Caller & { sessionId: string },
  op: Operation,
  audit: AuditSink,
): T {
  if (row && row.session_id === caller.sessionId) return row;
  if (row) {
    audit.record('access.denied', {
      method: op.method,
      connection: op.connection,
      sessionId: caller.sessionId,
      [what === 'agent' ? 'agentId' : 'taskId']: id,
      reason: `${what} belongs to another session`,
    });
  }
  throw new AppError('NOT_FOUND', `no ${what} ${id} in this session`, {
    [what === 'agent' ? 'agentId' : 'taskId']: id,
  });
}
