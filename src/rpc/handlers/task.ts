/**
 * Handlers of `task.*`. `task.run` streams text to the caller as `task.output`
 * notifications when asked, and a caller that disconnects (the request's signal aborts)
 * stops its run, so nobody pays for an answer that nobody will read.
 */
import { fitPage } from '../../services/reply-page.js';
import type { HandlerTable } from '../handler.js';

export const taskHandlers = {
  'task.create': (p, ctx) => ctx.services.tasks.create(p, ctx.op),
  'task.assign': (p, ctx) => ctx.services.tasks.assign(p, ctx.op),
  'task.get': (p, ctx) => ctx.services.tasks.get(p, ctx.op),
  'task.list': (p, ctx) => {
    const { tasks, total } = ctx.services.tasks.list(p, ctx.op);
    const page = fitPage(tasks, ctx.services.replyBudgetBytes());
    return { tasks: page.items, count: page.items.length, total, truncated: page.truncated };
  },
  'task.complete': (p, ctx) => ctx.services.tasks.complete(p, ctx.op),
  'task.cancel': (p, ctx) => ctx.services.tasks.cancel(p, ctx.op),
  'task.run': ({ stream, ...p }, ctx) =>
    ctx.services.tasks.run(p, ctx.op, {
      onText: stream
        ? (delta) => void ctx.notify('task.output', { taskId: p.taskId, delta })
        : undefined,
      onStart: (stop) => {
        if (ctx.signal.aborted) stop('disconnected');
        else ctx.signal.addEventListener('abort', () => stop('disconnected'), { once: true });
      },
    }),
} satisfies Partial<HandlerTable>;
