/**
 * Handlers of `audit.*`: verify the chain, read the newest records.
 */
import { fitPage } from '../../services/reply-page.js';
import type { HandlerTable } from '../handler.js';

export const auditHandlers = {
  'audit.verify': (_p, { services }) => services.audit.verify(),
  // Oldest first, so a cut page ends early and afterSeq = its last seq goes on from there.
  'audit.tail': (p, { services }) => {
    const page = fitPage(services.audit.tail(p), services.replyBudgetBytes());
    return { records: page.items, truncated: page.truncated };
  },
} satisfies Partial<HandlerTable>;
