/**
 * Handlers of `system.*`, `config.reload` and `config.watch`: liveness, status, health, the method
 * catalogue, shutdown and reload.
 */
import { describeMethod } from '../../protocol/method.js';
import { CONFIG_CHANGED_NOTIFICATION } from '../../protocol/system.js';
import type { HandlerTable } from '../handler.js';

export const systemHandlers = {
  'system.ping': async ({ delayMs }) => {
    if (delayMs) await new Promise((r) => setTimeout(r, delayMs));
    return { pong: true as const, time: new Date().toISOString() };
  },
  'system.status': (_p, { services }) => services.system.status(),
  'system.health': (_p, { services }) => services.system.health(),
  'system.doctor': (p, { services }) => services.doctor.run(p),
  'system.methods': (_p, { methods }) => ({ methods: methods.map(describeMethod) }),
  'system.shutdown': (_p, { services }) => services.system.shutdown(),
  'config.watch': (_p, ctx) => {
    ctx.watch(CONFIG_CHANGED_NOTIFICATION);
    return { watching: true as const, notification: CONFIG_CHANGED_NOTIFICATION };
  },
  'config.reload': (_p, { services }) => services.system.reloadConfig(),
} satisfies Partial<HandlerTable>;
