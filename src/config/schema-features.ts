/**
 * The configuration of the optional features: agents and tasks, embeddings, GitHub and
 * plugins (LLM providers have schema-providers.ts). Split from schema.ts (the daemon's
 * own settings) so each file stays readable; the same rules hold: strict objects, a
 * default for every field, and descriptions that end up in
 * config/aistack.config.schema.json.
 */
import { z } from 'zod';

const MiB = 1024 * 1024;

export const githubConfigSchema = z
  .strictObject({
    enabled: z
      .boolean()
      .default(false)
      .describe('Offer the github.* methods (issues, pull requests, repositories through gh).'),
    reason: z
      .string()
      .max(500)
      .optional()
      .describe('Why it is on: `aistack doctor` warns about an enabled feature without one.'),
    ghPath: z
      .string()
      .min(1)
      .default('gh')
      .describe('The gh executable: a name looked up on PATH, or an absolute path.'),
    timeoutMs: z
      .number()
      .int()
      .min(100)
      .max(600_000)
      .default(30_000)
      .describe('Each gh call is stopped (SIGKILL) after this long.'),
    maxOutputBytes: z
      .number()
      .int()
      .min(1024)
      .max(64 * MiB)
      .default(MiB)
      .describe('Largest output accepted from one gh call; past it gh is stopped.'),
  })
  .prefault({})
  .describe('GitHub through the gh CLI (off by default; gh must be logged in or have GH_TOKEN).');

export const pluginsConfigSchema = z
  .strictObject({
    enabled: z
      .boolean()
      .default(false)
      .describe(
        'Load approved plugins, each in its own sandboxed Node process. Off: plugin list/inspect/approve/revoke still work and nothing loads. Needs a restart.',
      ),
    reason: z
      .string()
      .max(500)
      .optional()
      .describe('Why plugins are on: `aistack doctor` warns about an enabled feature without one.'),
    dir: z
      .string()
      .min(1)
      .optional()
      .describe(
        'Plugins directory, one folder per plugin; default <dataDir>/plugins. Must not be writable by other users. Needs a restart.',
      ),
    callTimeoutMs: z
      .number()
      .int()
      .min(100)
      .max(600_000)
      .default(5_000)
      .describe(
        'A plugin call that takes longer is answered TIMEOUT and the plugin is stopped and marked failed. Applies from the next call.',
      ),
    maxMessageBytes: z
      .number()
      .int()
      .min(1024)
      .max(64 * MiB)
      .default(MiB)
      .describe(
        'Largest reply a plugin may send, and most output it may write in a second; past either it is stopped and marked failed.',
      ),
  })
  .prefault({})
  .describe(
    'Plugins (off by default). A plugin loads only while its content hash matches the one approved with `aistack plugin approve`.',
  );

const agentTypeSchema = z.strictObject({
  name: z
    .string()
    .regex(
      /^[a-z][a-z0-9-]{0,39}$/,
      'a lower-case name of letters, digits and -, starting with a letter (at most 40)',
    )
    .describe('The type name used in agent.spawn; a built-in name replaces that built-in.'),
  description: z.string().min(1).max(500).describe('One line saying what the type is for.'),
  systemPrompt: z
    .string()
    .min(1)
    .max(20_000)
    .describe("The system prompt of this type's task runs."),
  capabilities: z
    .array(z.string().min(1).max(64))
    .max(32)
    .default([])
    .describe('Capability labels, shown by agent.types.'),
});

export const agentsConfigSchema = z
  .strictObject({
    types: z
      .array(agentTypeSchema)
      .max(100)
      .default([])
      .refine(
        (types) => new Set(types.map((t) => t.name)).size === types.length,
        'agent type names must be unique',
      )
      .describe('Agent types added to the built-in ones (or replacing one of the same name).'),
  })
  .prefault({})
  .describe('Agent types.');

export const tasksConfigSchema = z
  .strictObject({
    timeoutMs: z
      .number()
      .int()
      .min(1000)
      .max(3_600_000)
      .default(120_000)
      .describe('Longest a task run may take; task.run may ask for less, never more.'),
    memoryResults: z
      .number()
      .int()
      .min(0)
      .max(50)
      .default(5)
      .describe(
        'How many memory entries (best matches for the task input) go into a task run prompt, as quoted data; 0 for none.',
      ),
    maxOutputBytes: z
      .number()
      .int()
      .min(1024)
      .max(64 * 1024 * 1024)
      .default(1024 * 1024)
      .describe(
        'Most bytes (UTF-8) of provider output a task run keeps. Past it the provider call is stopped and the task fails with an error naming this limit; the output up to it is kept.',
      ),
  })
  .prefault({})
  .describe('Task runs.');

export const memoryConfigSchema = z
  .strictObject({
    embeddings: z
      .strictObject({
        enabled: z
          .boolean()
          .default(false)
          .describe(
            'Embed entries for vector and hybrid search (needs providers.openai or providers.ollama configured). With openai, entry text goes to OpenAI.',
          ),
        reason: z
          .string()
          .max(500)
          .optional()
          .describe('Why it is on: `aistack doctor` warns about an enabled feature without one.'),
        provider: z
          .enum(['openai', 'ollama'])
          .default('ollama')
          .describe(
            'The provider that makes the embeddings (its providers.<name> section must exist).',
          ),
        model: z
          .string()
          .min(1)
          .optional()
          .describe(
            'Embedding model; default "all-minilm" (Ollama) or "text-embedding-3-small" (OpenAI), both 384-dimensional. After changing it, run `aistack memory reindex`.',
          ),
        dimensions: z
          .number()
          .int()
          .min(8)
          .max(4096)
          .default(384)
          .describe(
            'Length of each vector; must match the model (OpenAI text-embedding-3 shortens on request).',
          ),
        batchSize: z
          .number()
          .int()
          .min(1)
          .max(512)
          .default(32)
          .describe('Entries per embedding call.'),
        queryTimeoutMs: z
          .number()
          .int()
          .min(100)
          .max(60_000)
          .default(3_000)
          .describe(
            'How long a search waits for its query embedding before hybrid falls back to full-text.',
          ),
      })
      .prefault({})
      .describe(
        'Embeddings of memory entries (float32 BLOBs next to each entry); changes need a restart.',
      ),
    search: z
      .strictObject({
        vectorCandidates: z
          .number()
          .int()
          .min(10)
          .max(100_000)
          .default(400)
          .describe(
            'Vector search: how many candidates of the in-memory scan get a cosine rerank (more: better recall, slower).',
          ),
      })
      .prefault({})
      .describe('Memory search.'),
    history: z
      .strictObject({
        keep: z
          .number()
          .int()
          .min(0)
          .max(1000)
          .default(20)
          .describe(
            'Earlier versions kept per entry (each update, append, restore and delete keeps the one it replaces); 0 keeps none. Applies to the next write after a reload; the memory.historyPrune job trims every entry to it.',
          ),
      })
      .prefault({})
      .describe('History of memory entries (memory.history, memory.restoreVersion).'),
    changes: z
      .strictObject({
        retentionDays: z
          .number()
          .int()
          .min(1)
          .max(3650)
          .default(30)
          .describe(
            'How long memory.changes remembers deletions (the memory.expire job forgets older ones). Live-reloadable.',
          ),
      })
      .prefault({})
      .describe('The change feed (memory.changes).'),
  })
  .prefault({})
  .describe('Memory: embeddings, search and history.');
