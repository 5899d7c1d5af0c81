/**
 * `aistack provider list|test`: see which LLM providers the daemon has (keys shown only
 * as fingerprints) and check one end to end with a minimal real call.
 */
import { Argument, Command } from 'commander';
import { PROVIDER_NAMES, type ProviderName } from '../../protocol/provider.js';
import { withClient } from './context.js';
import { printJson, printTable } from './output.js';

export function providerCommands(): Command {
  const provider = new Command('provider').description(
    'List the configured LLM providers and test them.',
  );
  provider
    .command('list')
    .description(
      'List providers: model, base URL, key fingerprint (never the key) and which is the default.',
    )
    .action((_o, cmd: Command) =>
      withClient(cmd, async (client, opts) => {
        const result = await client.call('provider.list');
        if (opts.json) return printJson(result);
        printTable(
          result.providers.map((p) => ({
            name: p.isDefault ? `${p.name} *` : p.name,
            model: p.model,
            embeddings: p.embeddingModel ?? '-',
            baseURL: p.baseURL,
            key: p.hasKey ? (p.keyFingerprint ?? 'set') : 'none',
            firstSeen: p.keyFirstSeen?.slice(0, 10) ?? '',
          })),
          [
            { key: 'name', header: 'provider' },
            { key: 'model', header: 'model' },
            { key: 'embeddings', header: 'embeddings' },
            { key: 'baseURL', header: 'base url' },
            { key: 'key', header: 'key sha256' },
            { key: 'firstSeen', header: 'key first seen' },
          ],
        );
        if (result.providers.length > 0) process.stdout.write('(* = default provider)\n');
      }),
    );
  provider
    .command('test')
    .description(
      'Make one minimal real call ("Reply with the word pong.") and show latency and reply.',
    )
    .addArgument(new Argument('<name>', 'provider to test').choices(PROVIDER_NAMES))
    .action((name: ProviderName, _o, cmd: Command) =>
      withClient(cmd, async (client, opts) => {
        const result = await client.call('provider.test', { name });
        if (opts.json) return printJson(result);
        process.stdout.write(
          `${result.provider} (${result.model}) answered in ${result.latencyMs} ms: ${JSON.stringify(result.reply)}\n`,
        );
      }),
    );
  return provider;
}
