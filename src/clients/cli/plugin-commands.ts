/**
 * `aistack plugin list|inspect|approve|revoke|reload|events|call`. Approving shows the
 * manifest, the files and the content hash first, and asks before approving (unless
 * --yes); the daemon then approves exactly that hash, so a file changed while you were
 * reading is refused rather than approved unseen.
 */
import { createInterface } from 'node:readline';
import { Command } from 'commander';
import type { CliClient } from './cli-client.js';
import { CliError, EXIT, withClient } from './context.js';
import { printFields, printJson, printTable } from './output.js';
import { parseJsonObject } from './session-commands.js';
import { sessionFromEnv } from './session-env.js';
import { integer } from './option-values.js';

type Inspection = Awaited<ReturnType<typeof inspect>>;

function inspect(client: CliClient, name: string) {
  return client.call('plugin.inspect', { name });
}

function printInspection(i: Inspection): void {
  const m = i.manifest;
  const out = (line = '') => process.stdout.write(line + '\n');
  out(`plugin   ${m.name} ${m.version}`);
  if (m.description) out(`about    ${m.description}`);
  out(`entry    ${m.entry}`);
  out(`hash     ${i.hash}`);
  if (i.approved)
    out(
      `approved ${i.approved.approvedAt} at ${i.approved.matches ? 'this hash' : `a different hash (${i.approved.hash})`}`,
    );
  out(`methods  ${m.methods.length === 0 ? '(none)' : ''}`);
  for (const x of m.methods) out(`  plugin.${m.name}.${x.name} — ${x.description}`);
  out(`agents   ${m.agentTypes.length === 0 ? '(none)' : ''}`);
  for (const t of m.agentTypes)
    out(`  ${m.name}-${t.name} — ${t.description} [${t.capabilities.join(', ')}]`);
  out(`files    ${i.files.length}`);
  for (const f of i.files) out(`  ${f}`);
}

async function confirm(question: string): Promise<boolean> {
  process.stderr.write(question);
  const rl = createInterface({ input: process.stdin, terminal: false });
  try {
    const answer = await new Promise<string>((resolve) => {
      rl.once('line', resolve);
      rl.once('close', () => resolve(''));
    });
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    rl.close();
  }
}

export function pluginCommands(): Command {
  const plugin = new Command('plugin').description(
    'Plugins: review and approve them by content hash; approved ones run sandboxed when plugins.enabled is set.',
  );
  plugin
    .command('list')
    .description('Each plugin with its state (approved, changed, refused, failed, loaded) and why.')
    .action((_o, cmd: Command) =>
      withClient(cmd, async (client, opts) => {
        const result = await client.call('plugin.list', {});
        if (opts.json) return printJson(result);
        if (!result.enabled) process.stderr.write('# plugins are off (plugins.enabled: false)\n');
        printTable(
          result.plugins.map((p) => ({
            ...p,
            provides: [...p.methods, ...p.agentTypes.map((t) => t.name)].length,
          })),
          [
            { key: 'name', header: 'name', max: 40 },
            { key: 'version', header: 'version', max: 20 },
            { key: 'state', header: 'state' },
            { key: 'provides', header: 'provides' },
            { key: 'reason', header: 'why', max: 80 },
          ],
        );
      }),
    );
  plugin
    .command('inspect')
    .description('Show a plugin’s manifest, files and content hash.')
    .argument('<name>', 'plugin name')
    .action((name: string, _o, cmd: Command) =>
      withClient(cmd, async (client, opts) => {
        const i = await inspect(client, name);
        if (opts.json) printJson(i);
        else printInspection(i);
      }),
    );
  plugin
    .command('approve')
    .description('Review a plugin (manifest, files, hash) and approve that exact content.')
    .argument('<name>', 'plugin name')
    .option('-y, --yes', 'approve without asking')
    .action((name: string, o: { yes?: boolean }, cmd: Command) =>
      withClient(cmd, async (client, opts) => {
        const i = await inspect(client, name);
        if (!opts.json) printInspection(i);
        if (!o.yes) {
          if (opts.json)
            throw new CliError('--json needs --yes (there is nobody to ask)', EXIT.USAGE);
          if (!(await confirm(`Approve plugin ${name} with hash ${i.hash}? [y/N] `)))
            throw new CliError('not approved');
        }
        const result = await client.call('plugin.approve', { name, hash: i.hash });
        if (opts.json) return printJson(result);
        process.stdout.write(
          `approved ${name} (${result.hash}); state: ${result.state}${result.reason ? ` — ${result.reason}` : ''}\n`,
        );
      }),
    );
  plugin
    .command('revoke')
    .description('Withdraw a plugin’s approval and stop it.')
    .argument('<name>', 'plugin name')
    .action((name: string, _o, cmd: Command) =>
      withClient(cmd, async (client, opts) => {
        const result = await client.call('plugin.revoke', { name });
        if (opts.json) printJson(result);
        else process.stdout.write(`revoked ${name}\n`);
      }),
    );
  plugin
    .command('reload')
    .description('Stop and re-check one plugin (or all), loading what is approved and unchanged.')
    .argument('[name]', 'plugin name (default: all)')
    .action((name: string | undefined, _o, cmd: Command) =>
      withClient(cmd, async (client, opts) => {
        const result = await client.call('plugin.reload', name ? { name } : {});
        if (opts.json) return printJson(result);
        printTable(result.plugins, [
          { key: 'name', header: 'name', max: 40 },
          { key: 'state', header: 'state' },
          { key: 'reason', header: 'why', max: 80 },
        ]);
      }),
    );
  plugin
    .command('events')
    .description('The plugin registry: loads, refusals, failures, approvals, revocations.')
    .argument('[name]', 'only this plugin')
    .option('-n, --limit <n>', 'at most this many (newest first)', integer(1), 50)
    .action((name: string | undefined, o: { limit: number }, cmd: Command) =>
      withClient(cmd, async (client, opts) => {
        const result = await client.call('plugin.events', {
          ...(name && { name }),
          limit: o.limit,
        });
        if (opts.json) return printJson(result);
        printTable(result.events, [
          { key: 'at', header: 'at' },
          { key: 'plugin', header: 'plugin', max: 40 },
          { key: 'event', header: 'event' },
          { key: 'reason', header: 'reason', max: 80 },
        ]);
      }),
    );
  plugin
    .command('call')
    .description(
      'Call a plugin method, e.g. `aistack plugin call hello.greet --params \'{"name":"x"}\'` (uses $AISTACK_SESSION when set).',
    )
    .argument('<plugin.method>', 'plugin name and method, dotted')
    .option('-p, --params <json>', 'params, a JSON object')
    .action((target: string, o: { params?: string }, cmd: Command) =>
      withClient(cmd, async (client, opts) => {
        const params = { ...parseJsonObject(o.params, '--params'), ...sessionFromEnv() };
        // Plugin methods are added at run time, so they are not in the typed table.
        const call = client.call.bind(client) as unknown as (
          m: string,
          p: unknown,
        ) => Promise<unknown>;
        const result = await call(`plugin.${target}`, params);
        if (opts.json || !result || typeof result !== 'object' || Array.isArray(result))
          printJson(result);
        else printFields(result as Record<string, unknown>);
      }),
    );
  return plugin;
}
