/**
 * The plugin manifest's schema, `aistack-plugin.json` at the top of each plugin folder:
 * name, version, entry file, and what the plugin provides (methods, reached as
 * `plugin.<name>.<method>`, and agent types). Part of the wire contract, since
 * `plugin.inspect` shows the manifest and plugin methods take params within its limits;
 * the plugin service parses every manifest with it before anything else happens.
 */
import { z } from 'zod';

/** Largest params object a plugin method accepts, serialized. */
export const PLUGIN_PARAMS_MAX_BYTES = 64 * 1024;

export const pluginNameSchema = z
  .string()
  .regex(
    /^[a-z][a-z0-9-]{0,39}$/,
    'plugin name: a lowercase letter, then up to 39 lowercase letters, digits or -',
  );

const methodNameSchema = z
  .string()
  .regex(
    /^[a-z][a-zA-Z0-9]{0,39}$/,
    'method name: a lowercase letter, then up to 39 letters or digits',
  );

/** `a/b.js`: no absolute path, no `..`, no `.` segments, no backslash, a JavaScript file. */
const entrySchema = z
  .string()
  .min(1)
  .max(255)
  .refine(
    (e) =>
      !e.startsWith('/') &&
      !e.includes('\\') &&
      !e.includes('\0') &&
      e.split('/').every((s) => s !== '' && s !== '.' && s !== '..'),
    'entry must be a relative path inside the plugin folder (no "..", no leading "/")',
  )
  .refine((e) => /\.(?:m?js|cjs)$/.test(e), 'entry must be a .js, .mjs or .cjs file');

const methodSchema = z.strictObject({
  name: methodNameSchema,
  description: z.string().min(1).max(1000),
  params: z
    .record(z.string(), z.unknown())
    .refine((p) => JSON.stringify(p).length <= 16 * 1024, 'params schema over 16 KiB')
    .optional()
    .describe('JSON Schema of the params object, for documentation.'),
});

const agentTypeSchema = z.strictObject({
  name: pluginNameSchema,
  description: z.string().min(1).max(500),
  systemPrompt: z.string().min(1).max(8000),
  capabilities: z.array(z.string().min(1).max(64)).max(32),
});

const unique = (names: string[]) => new Set(names).size === names.length;

export const manifestSchema = z
  .strictObject({
    name: pluginNameSchema,
    version: z
      .string()
      .max(64)
      .regex(/^\d+\.\d+\.\d+(?:[-+][0-9A-Za-z.+-]+)?$/, 'version: like 1.2.3 or 1.2.3-beta.1'),
    entry: entrySchema,
    description: z.string().max(1000).optional(),
    methods: z.array(methodSchema).max(64).default([]),
    agentTypes: z.array(agentTypeSchema).max(32).default([]),
  })
  .refine((m) => unique(m.methods.map((x) => x.name)), {
    message: 'method names must be unique',
    path: ['methods'],
  })
  .refine((m) => unique(m.agentTypes.map((x) => x.name)), {
    message: 'agent type names must be unique',
    path: ['agentTypes'],
  })
  .refine((m) => m.agentTypes.every((t) => pluginAgentTypeName(m.name, t.name).length <= 40), {
    message: 'plugin name + "-" + agent type name must be at most 40 characters',
    path: ['agentTypes'],
  });

export type Manifest = z.output<typeof manifestSchema>;

/** The full method name a client calls. */
export const pluginMethodName = (plugin: string, method: string) => `plugin.${plugin}.${method}`;

/**
 * The name an agent type is offered under: `<plugin>-<type>`, so it fits the agent type
 * alphabet (lowercase, digits, -) and never replaces a built-in or configured type.
 */
export function pluginAgentTypeName(plugin: string, type: string): string {
  return `${plugin}-${type}`;
}
