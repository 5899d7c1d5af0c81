/**
 * Handlers of `plugin.*`, and `pluginMethod`: the spec and handler of one method that a
 * loaded plugin provides, which the daemon adds to dispatch at run time. The daemon
 * checks the session (an invalid one is refused and audited like anywhere else) and
 * passes the plugin only the caller's session id, never its token.
 */
import { pluginMethodSpec } from '../../protocol/plugin.js';
import type { MethodSpec } from '../../protocol/method.js';
import type { PluginMethodSpec } from '../../services/plugins/manager.js';
import type { AnyHandler, HandlerTable } from '../handler.js';
import type { RequestContext } from '../context.js';

export const pluginHandlers = {
  'plugin.list': (_p, { services }) => services.plugins.list(),
  'plugin.inspect': (p, { services }) => services.plugins.inspect(p.name),
  'plugin.approve': (p, { services }) => services.plugins.approve(p.name, p.hash),
  'plugin.revoke': (p, { services }) => services.plugins.revoke(p.name),
  'plugin.reload': (p, { services }) => services.plugins.reload(p.name),
  'plugin.events': (p, { services }) => ({ events: services.plugins.events(p.name, p.limit) }),
} satisfies Partial<HandlerTable>;

interface PluginCallParams extends Record<string, unknown> {
  sessionId?: string | undefined;
  sessionToken?: string | undefined;
}

/** The spec and handler of `plugin.<plugin>.<method>`. */
export function pluginMethod(method: PluginMethodSpec): { spec: MethodSpec; handler: AnyHandler } {
  const handler = (p: PluginCallParams, { services, op }: RequestContext) => {
    const { sessionId, sessionToken, ...params } = p;
    const caller = services.access.caller({ sessionId, sessionToken }, op);
    return services.plugins.call(method.plugin, method.method, params, caller.sessionId ?? null);
  };
  return { spec: pluginMethodSpec(method), handler };
}
