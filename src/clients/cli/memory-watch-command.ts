/**
 * `aistack memory watch <key>`: subscribes to one entry (`memory.subscribe`) and prints
 * each committed change to it as it happens — `<namespace>/<key> version N`, or
 * `deleted`; with --json one `memory.changed` object per line — until interrupted, or
 * after --count changes. Reads see the exported session's namespace too, as `get` does.
 */
import { Command } from 'commander';
import type { MemoryChanged } from '../../protocol/memory-watch.js';
import { MEMORY_CHANGED_NOTIFICATION } from '../../protocol/memory-watch.js';
import { say, withClient } from './context.js';
import { integer } from './option-values.js';
import { asReader } from './session-env.js';

export function memoryWatchCommand(): Command {
  return new Command('watch')
    .argument('<key>', 'key of the entry to watch')
    .description(
      'Print each committed change to an entry as it happens (its new version, or that it was deleted), until Ctrl-C or --count changes.',
    )
    .option('-n, --namespace <ns>', 'namespace (default: as `memory get` looks)')
    .option('-c, --count <n>', 'exit after this many changes', integer(1))
    .action((key: string, o: { namespace?: string; count?: number }, cmd: Command) =>
      withClient(cmd, async (client, opts) => {
        // Known once subscribed; a notice before that cannot be for this subscription.
        const watched: { namespace?: string } = {};
        let seen = 0;
        let stop!: () => void;
        const stopped = new Promise<void>((resolve) => (stop = resolve));
        const off = client.onNotification((method, params) => {
          const n = params as MemoryChanged;
          if (
            method !== MEMORY_CHANGED_NOTIFICATION ||
            n.key !== key ||
            n.namespace !== watched.namespace
          )
            return;
          const what = 'deleted' in n ? 'deleted' : `version ${n.version}`;
          process.stdout.write(
            opts.json ? `${JSON.stringify(n)}\n` : `${n.namespace}/${n.key} ${what}\n`,
          );
          if (o.count !== undefined && ++seen >= o.count) stop();
        });
        const sub = await asReader((creds) =>
          client.call('memory.subscribe', { key, namespace: o.namespace, ...creds }),
        );
        watched.namespace = sub.namespace;
        say(`watching ${sub.namespace}/${sub.key} (version ${sub.version}); Ctrl-C to stop`);
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
        try {
          await stopped;
        } finally {
          off();
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
        }
      }),
    );
}
