/**
 * `plugin.*`: reviewing, approving, revoking and reloading plugins — local-user actions,
 * never offered to MCP clients — and `pluginMethodDef`, which turns a method a loaded
 * plugin provides into an ordinary method-table entry, `plugin.<name>.<method>`, that
 * goes through the same dispatch, validation and session checks as every other.
 */
import { z } from 'zod';
import { PLUGIN_PARAMS_MAX_BYTES, pluginNameSchema } from '../services/plugins/manifest.js';
import type { PluginMethodSpec } from '../services/plugins/manager.js';
import { defineMethod, type MethodDef } from './method.js';
import { sessionParams } from './memory-schemas.js';

const name = pluginNameSchema.describe('Plugin name (its folder in the plugins directory).');

export const pluginMethods = [
  defineMethod({
    name: 'plugin.list',
    description:
      'Lists each plugin in the plugins directory with its state (approved, changed, refused, failed, loaded), why, its hashes and what it provides.',
    params: z.strictObject({}).prefault({}),
    access: 'local',
    handler: (_p, { services }) => services.plugins.list(),
  }),
  defineMethod({
    name: 'plugin.inspect',
    description:
      "Shows a plugin's manifest, files and content hash, for review before plugin.approve.",
    params: z.strictObject({ name }),
    access: 'local',
    handler: (p, { services }) => services.plugins.inspect(p.name),
  }),
  defineMethod({
    name: 'plugin.approve',
    description:
      'Approves a plugin at the content hash you reviewed (from plugin.inspect); refused with CONFLICT if its files changed since. Loads it when plugins are enabled.',
    params: z.strictObject({
      name,
      hash: z
        .string()
        .regex(/^[0-9a-f]{64}$/, 'a SHA-256 in lowercase hex')
        .describe('The content hash shown by plugin.inspect.'),
    }),
    access: 'local',
    handler: (p, { services }) => services.plugins.approve(p.name, p.hash),
  }),
  defineMethod({
    name: 'plugin.revoke',
    description: "Withdraws a plugin's approval and stops it; its methods disappear.",
    params: z.strictObject({ name }),
    access: 'local',
    handler: (p, { services }) => services.plugins.revoke(p.name),
  }),
  defineMethod({
    name: 'plugin.reload',
    description:
      'Stops and re-checks one plugin (or all), loading what is approved and unchanged. FEATURE_DISABLED when plugins are off.',
    params: z.strictObject({ name: name.optional() }).prefault({}),
    access: 'local',
    handler: (p, { services }) => services.plugins.reload(p.name),
  }),
  defineMethod({
    name: 'plugin.events',
    description:
      'The plugin registry, newest first: every load, refusal, failure, approval and revocation, with the reason.',
    params: z
      .strictObject({
        name: name.optional(),
        limit: z.number().int().min(1).max(1000).default(50),
      })
      .prefault({}),
    access: 'local',
    handler: (p, { services }) => ({ events: services.plugins.events(p.name, p.limit) }),
  }),
];

/** Any JSON object of at most 64 KiB, plus the usual session credentials. */
const pluginCallParams = z
  .looseObject({ ...sessionParams })
  .refine(
    (p) => Buffer.byteLength(JSON.stringify(p)) <= PLUGIN_PARAMS_MAX_BYTES,
    `params must serialize to at most ${PLUGIN_PARAMS_MAX_BYTES} bytes`,
  );

/**
 * The method-table entry for one plugin method. The daemon checks the session (an
 * invalid one is refused and audited like anywhere else) and passes the plugin only
 * the caller's session id, never its token.
 */
export function pluginMethodDef(spec: PluginMethodSpec): MethodDef {
  return defineMethod({
    name: spec.name,
    description: `${spec.description} (plugin ${spec.plugin})`,
    params: pluginCallParams,
    access: 'public',
    handler: (p, { services, connection }) => {
      const { sessionId, sessionToken, ...params } = p;
      const caller = services.access.caller(
        { sessionId, sessionToken },
        { method: spec.name, connection: connection.id },
      );
      return services.plugins.call(spec.plugin, spec.method, params, caller.sessionId ?? null);
    },
  }) as unknown as MethodDef;
}
