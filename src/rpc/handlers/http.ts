/** Handler of `http.status`: the HTTP front door as the daemon runs it. */
import type { HandlerTable } from '../handler.js';

export const httpHandlers = {
  'http.status': (_p, { services }) => services.system.httpStatus(),
} satisfies Partial<HandlerTable>;
