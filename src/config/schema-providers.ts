/**
 * The `providers` section of the config: Anthropic, OpenAI and Ollama, each with its key
 * (as a `${VAR}` reference), base URL, model, timeout and retries. A base URL must keep
 * the key off the wire in cleartext (transport-security.ts): https, or http only to this
 * machine, unless `allowInsecureHttp` says otherwise for that provider.
 */
import { z } from 'zod';
import { judgeBaseURL } from './transport-security.js';

const providerSchema = z
  .strictObject({
    apiKey: z.string().optional().describe('The key, as "${ENV_VAR}" — never the literal key.'),
    baseURL: z
      .url()
      .optional()
      .describe(
        'API base URL (for proxies, local stand-ins, or Ollama on another host). Must be https://, or http:// only on a loopback address (127.0.0.0/8, ::1, localhost).',
      ),
    allowInsecureHttp: z
      .boolean()
      .default(false)
      .describe(
        'Accept a plain http:// baseURL on another host: the key and prompts then travel in cleartext. The daemon warns and audits it at start, and `aistack doctor` fails.',
      ),
    model: z.string().min(1).optional().describe('Model name.'),
    timeoutMs: z
      .number()
      .int()
      .min(100)
      .max(600_000)
      .default(60_000)
      .describe('Timeout of each call.'),
    maxRetries: z
      .number()
      .int()
      .min(0)
      .max(10)
      .default(2)
      .describe('Retries on 429 and 5xx, with backoff.'),
  })
  .superRefine((p, ctx) => {
    if (p.baseURL === undefined) return;
    const verdict = judgeBaseURL(p.baseURL, p.allowInsecureHttp);
    if (!verdict.ok) ctx.addIssue({ code: 'custom', path: ['baseURL'], message: verdict.message });
  });

export const providersConfigSchema = z
  .strictObject({
    anthropic: providerSchema.optional(),
    openai: providerSchema.optional(),
    ollama: providerSchema.optional(),
  })
  .prefault({})
  .describe('LLM providers.');
