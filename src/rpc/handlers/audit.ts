/**
 * Handlers of `audit.*`: verify the chain, read the newest records.
 */
import type { HandlerTable } from '../handler.js';

export const auditHandlers = {
  'audit.verify': (_p, { services }) => services.audit.verify(),
  'audit.tail': (p, { services }) => ({ records: services.audit.tail(p) }),
} satisfies Partial<HandlerTable>;
