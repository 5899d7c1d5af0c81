/**
 * Handlers of `memory.subscribe` and `memory.unsubscribe`. The memory service checks
 * who may watch what; the connection holds its subscriptions (bounded, ended with it) and
 * is where the notices go, as `memory.changed` notifications to it alone.
 */
import { AppError } from '../../core/errors.js';
import { MEMORY_CHANGED_NOTIFICATION, SUBSCRIPTION_LIMITS } from '../../protocol/memory-watch.js';
import { subscriptionKey } from '../dispatch-connection.js';
import type { HandlerTable } from '../handler.js';

export const memoryWatchHandlers = {
  'memory.subscribe': (p, ctx) => {
    const subs = ctx.subscriptions;
    let id = '';
    const sub = ctx.services.memory.watch.subscribe(p, ctx.op, {
      deliver: (notice) => ctx.notify(MEMORY_CHANGED_NOTIFICATION, notice),
      // Ended by the daemon (its session ended, the connection went): no longer held.
      ended: () => {
        if (subs.get(id) === sub) subs.delete(id);
      },
    });
    id = subscriptionKey(sub.namespace, sub.key);
    const held = subs.get(id);
    const answer = {
      subscribed: true as const,
      namespace: sub.namespace,
      key: sub.key,
      version: sub.last!,
      notification: MEMORY_CHANGED_NOTIFICATION,
    };
    if (held) {
      // Already watched: the subscription held goes on as it was.
      sub.cancel();
      return answer;
    }
    if (subs.size >= SUBSCRIPTION_LIMITS.perConnection) {
      sub.cancel();
      throw new AppError(
        'BUSY',
        `this connection holds ${subs.size} subscriptions, the most one may; unsubscribe from some first`,
        { maxSubscriptions: SUBSCRIPTION_LIMITS.perConnection },
      );
    }
    // The connection may have closed while this ran: nothing would ever end it then.
    if (ctx.signal.aborted) {
      sub.cancel();
      return answer;
    }
    subs.set(id, sub);
    return answer;
  },
  'memory.unsubscribe': (p, ctx) => {
    const namespaces: string[] = [];
    for (const [id, sub] of ctx.subscriptions) {
      if (sub.key !== p.key || (p.namespace !== undefined && sub.namespace !== p.namespace))
        continue;
      sub.cancel();
      ctx.subscriptions.delete(id);
      namespaces.push(sub.namespace);
    }
    return { unsubscribed: namespaces.length, namespaces };
  },
} satisfies Partial<HandlerTable>;
