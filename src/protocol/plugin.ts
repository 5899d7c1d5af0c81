/**
 * `plugin.*` on the wire: reviewing, approving, revoking and reloading plugins —
 * local-user actions, never offered to MCP clients — and `pluginMethodSpec`, the spec of
 * a method a loaded plugin provides (`plugin.<name>.<method>`), which the daemon adds at
 * run time and serves through the same dispatch, validation and session checks as any.
 */
import { z } from 'zod';
import { defineMethod, type MethodSpec } from './method.js';
import { sessionParams } from './memory-schemas.js';
import { manifestSchema, PLUGIN_PARAMS_MAX_BYTES, pluginNameSchema } from './plugin-manifest.js';

const name = pluginNameSchema.describe('Plugin name (its folder in the plugins directory).');
const sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'a SHA-256 in lowercase hex');
const iso = z.iso.datetime();

const PLUGIN_STATES = ['approved', 'changed', 'refused', 'failed', 'loaded'] as const;
export type PluginState = (typeof PLUGIN_STATES)[number];
const PLUGIN_EVENTS = ['loaded', 'refused', 'failed', 'approved', 'revoked'] as const;

const state = z
  .enum(PLUGIN_STATES)
  .describe(
    'loaded: running; failed: started and failed; approved: approved, not running; changed: its files changed since approval; refused: not loadable.',
  );

/** What loading (or re-checking) a plugin came to. */
const outcome = { state, reason: z.string().nullable().describe('Why, in words.') };

const pluginInfo = z.strictObject({
  // Folder names on disk are shown as found (cut to 100), valid plugin names or not.
  name: z.string().max(100),
  version: z.string().nullable(),
  description: z.string().nullable(),
  ...outcome,
  hash: sha256.nullable().describe('The content hash on disk now; null when unreadable.'),
  approvedHash: sha256.nullable(),
  approvedAt: iso.nullable(),
  methods: z.array(z.string()).describe('Its methods, as clients call them.'),
  agentTypes: z.array(
    z.strictObject({
      name: z.string(),
      description: z.string(),
      capabilities: z.array(z.string()),
    }),
  ),
});

export const pluginMethods = [
  defineMethod({
    name: 'plugin.list',
    description:
      'Lists each plugin in the plugins directory with its state (approved, changed, refused, failed, loaded), why, its hashes and what it provides.',
    params: z.strictObject({}).prefault({}),
    result: z.strictObject({
      enabled: z.boolean().describe('plugins.enabled in the config.'),
      dir: z.string().describe('The plugins directory.'),
      plugins: z.array(pluginInfo),
    }),
    access: 'local',
    scope: 'admin',
  }),
  defineMethod({
    name: 'plugin.inspect',
    description:
      "Shows a plugin's manifest, files and content hash, for review before plugin.approve.",
    params: z.strictObject({ name }),
    result: z.strictObject({
      name: pluginNameSchema,
      manifest: manifestSchema,
      hash: sha256.describe('Pass it to plugin.approve.'),
      files: z.array(z.string()).describe('Every file the hash covers.'),
      approved: z
        .strictObject({
          hash: sha256,
          approvedAt: iso,
          matches: z.boolean().describe('Whether the files are still what was approved.'),
        })
        .nullable(),
    }),
    access: 'local',
    scope: 'admin',
  }),
  defineMethod({
    name: 'plugin.approve',
    description:
      'Approves a plugin at the content hash you reviewed (from plugin.inspect); refused with CONFLICT if its files changed since. Loads it when plugins are enabled.',
    params: z.strictObject({
      name,
      hash: sha256.describe('The content hash shown by plugin.inspect.'),
    }),
    result: z.strictObject({ name: pluginNameSchema, hash: sha256, approvedAt: iso, ...outcome }),
    access: 'local',
    scope: 'admin',
    timeoutMs: null,
  }),
  defineMethod({
    name: 'plugin.revoke',
    description: "Withdraws a plugin's approval and stops it; its methods disappear.",
    params: z.strictObject({ name }),
    result: z.strictObject({ name: pluginNameSchema, revoked: z.literal(true) }),
    access: 'local',
    scope: 'admin',
  }),
  defineMethod({
    name: 'plugin.reload',
    description:
      'Stops and re-checks one plugin (or all), loading what is approved and unchanged. FEATURE_DISABLED when plugins are off.',
    params: z.strictObject({ name: name.optional() }).prefault({}),
    result: z.strictObject({
      plugins: z.array(z.strictObject({ name: z.string().max(100), ...outcome })),
    }),
    access: 'local',
    scope: 'admin',
    timeoutMs: null,
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
    result: z.strictObject({
      events: z.array(
        z.strictObject({
          at: iso,
          plugin: z.string().describe('The plugin, or "*" for the plugins directory.'),
          event: z.enum(PLUGIN_EVENTS),
          reason: z.string().nullable(),
          hash: sha256.nullable(),
        }),
      ),
    }),
    access: 'local',
    scope: 'admin',
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
 * The spec of one plugin method. Its result is whatever the plugin answered: the host
 * process sends it as a JSON line, so it is JSON and nothing more is promised.
 */
export function pluginMethodSpec(method: {
  name: string;
  description: string;
  plugin: string;
}): MethodSpec {
  return defineMethod({
    name: method.name,
    description: `${method.description} (plugin ${method.plugin})`,
    params: pluginCallParams,
    result: z.json().describe("The plugin's answer."),
    access: 'public',
    scope: 'plugins',
    timeoutMs: null,
  });
}
