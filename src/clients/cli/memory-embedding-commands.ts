/**
 * `aistack memory reindex` (embed what has no current embedding, with a progress bar
 * fed by the daemon's memory.reindex.progress notifications) and `aistack memory
 * embeddings` (what is embedded, missing, stale or queued).
 */
import { Command } from 'commander';
import { withClient } from './context.js';
import { printFields, printJson } from './output.js';
import { plural } from './human.js';
import { progressBar } from './progress-bar.js';
import { integer } from './option-values.js';

export function reindexCommand(): Command {
  return new Command('reindex')
    .description(
      'Embed entries that have no embedding, or one from another model (needs memory.embeddings.enabled).',
    )
    .option('-n, --namespace <ns>', 'only this namespace')
    .option('-l, --limit <n>', 'at most this many entries', integer(1))
    .action((o: { namespace?: string; limit?: number }, cmd: Command) =>
      withClient(cmd, async (client, opts) => {
        const bar = progressBar(Boolean(process.stderr.isTTY) && !opts.json);
        const off = client.onNotification((method, params) => {
          if (method !== 'memory.reindex.progress') return;
          const { done, total } = params as { done: number; total: number };
          bar.update(done, total, `${done} of ${plural(total, 'entry')}`);
        });
        let result;
        try {
          result = await client.call('memory.reindex', {
            ...(o.namespace ? { namespace: o.namespace } : {}),
            ...(o.limit !== undefined ? { limit: o.limit } : {}),
          });
        } finally {
          off();
          bar.done();
        }
        if (opts.json) return printJson(result);
        process.stdout.write(
          `reindexed: ${result.embedded} embedded, ${result.skipped} skipped, ${result.failed} failed; ${result.remaining} still without an embedding\n`,
        );
        if (result.error) process.stderr.write(`stopped early: ${result.error}\n`);
        if (result.failed > 0 || result.error) process.exitCode = 1;
      }),
    );
}

export function embeddingsCommand(): Command {
  return new Command('embeddings')
    .description('Embedding status: model, embedded, missing and stale entries, queue, index.')
    .action((_o, cmd: Command) =>
      withClient(cmd, async (client, opts) => {
        const status = await client.call('memory.embeddingStatus');
        if (opts.json) return printJson(status);
        printFields(status as unknown as Record<string, unknown>);
      }),
    );
}
