/**
 * Handlers of `auth.hello` and `token.*`. The hello is the only call a connection may
 * make before it has authenticated; the token methods need the admin scope.
 */
import type { HandlerTable } from '../handler.js';

export const authHandlers = {
  'auth.hello': (p, ctx) => {
    const principal = ctx.login(p.token);
    return { principal: principal.kind, name: principal.name, scopes: [...principal.scopes] };
  },
  'token.create': (p, ctx) => ctx.services.tokens.create(p),
  'token.list': (_p, ctx) => ctx.services.tokens.list(),
  'token.revoke': (p, ctx) => ctx.services.tokens.revoke(p.name),
} satisfies Partial<HandlerTable>;
