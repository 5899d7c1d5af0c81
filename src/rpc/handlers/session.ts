/**
 * Handlers of `session.*`: start, end, inspect and list sessions. Ending needs the
 * session's token, or `force` (which only the local user's tools send).
 */
import { AppError } from '../../core/errors.js';
import { fitPage } from '../../services/reply-page.js';
import type { HandlerTable } from '../handler.js';

export const sessionHandlers = {
  'session.start': (p, ctx) => ctx.services.sessions.start(p, ctx.caller.connection),
  'session.end': (p, ctx) => {
    const by = { connection: ctx.caller.connection };
    if (p.force) {
      // Ending someone else's session is the owner's business, not any session holder's.
      if (!ctx.caller.principal?.scopes.has('admin')) {
        throw new AppError('FORBIDDEN', 'session.end with force needs the admin scope');
      }
      return ctx.services.sessions.end(p.sessionId, 'forced', by);
    }
    if (!p.sessionToken)
      throw new AppError('SESSION_REQUIRED', 'session.end needs sessionToken (or force: true)');
    ctx.services.access.sessionCaller(p, ctx.op);
    return ctx.services.sessions.end(p.sessionId, 'ended', by);
  },
  'session.status': (p, ctx) => {
    ctx.services.access.sessionCaller(p, ctx.op);
    return { session: ctx.services.sessions.info(p.sessionId) };
  },
  'session.list': (p, ctx) => {
    const { sessions, total } = ctx.services.sessions.list(p);
    const page = fitPage(sessions, ctx.services.replyBudgetBytes());
    return { sessions: page.items, total, truncated: page.truncated };
  },
} satisfies Partial<HandlerTable>;
