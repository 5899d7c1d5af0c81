/**
 * `aistack token create|list|revoke`: scoped tokens for tools that should get less than
 * the owner's authority (a read-only dashboard, a tool that only stores). A token is
 * printed once, at creation; the daemon keeps only its hash. Give it to a client with
 * `AISTACK_TOKEN=…` (CLI and MCP shim) or as a bearer token (HTTP, when enabled).
 */
import { Command, Option } from 'commander';
import { SCOPES, SCOPE_NAMES, type Scope } from '../../protocol/scopes.js';
import { withClient } from './context.js';
import { printJson, printTable } from './output.js';
import { positive } from './option-values.js';

const collect = (value: string, previous: string[] = []) => [...previous, value];

export function tokenCommands(): Command {
  const token = new Command('token').description(
    'Create, list and revoke scoped tokens (the owner token in <data dir>/owner.token holds every scope).',
  );
  token
    .command('create')
    .description('Create a scoped token; it is printed once and kept only as a hash.')
    .requiredOption('--name <name>', 'who or what will hold it')
    .addOption(
      new Option('--scope <scope>', 'a scope to grant (repeat for more)')
        .choices(SCOPE_NAMES)
        .argParser(collect)
        .makeOptionMandatory(),
    )
    .option('--expires-in-days <days>', 'make it stop working after this many days', positive)
    .addHelpText(
      'after',
      `\nScopes:\n${SCOPE_NAMES.map((s) => `  ${s.padEnd(13)} ${SCOPES[s]}`).join('\n')}\n`,
    )
    .action((o: { name: string; scope: Scope[]; expiresInDays?: number }, cmd: Command) =>
      withClient(cmd, async (client, opts) => {
        const result = await client.call('token.create', {
          name: o.name,
          scopes: o.scope,
          ...(o.expiresInDays !== undefined && { expiresInDays: o.expiresInDays }),
        });
        if (opts.json) return printJson(result);
        process.stdout.write(`${result.token}\n`);
        process.stderr.write(
          `aistack: token "${result.info.name}" (${result.info.scopes.join(', ')}) created; it is not shown again. Use it with AISTACK_TOKEN=…\n`,
        );
      }),
    );
  token
    .command('list')
    .description(
      'List scoped tokens: scopes, created, last used, expiry, revoked (never the tokens).',
    )
    .action((_o, cmd: Command) =>
      withClient(cmd, async (client, opts) => {
        const result = await client.call('token.list');
        if (opts.json) return printJson(result);
        printTable(
          result.tokens.map((t) => ({
            name: t.name,
            scopes: t.scopes.join(','),
            created: t.createdAt.slice(0, 16),
            lastUsed: t.lastUsedAt?.slice(0, 16) ?? 'never',
            state: t.revokedAt
              ? 'revoked'
              : t.expiresAt && t.expiresAt < new Date().toISOString()
                ? 'expired'
                : 'active',
          })),
          [
            { key: 'name', header: 'name' },
            { key: 'scopes', header: 'scopes' },
            { key: 'created', header: 'created', format: 'time' },
            { key: 'lastUsed', header: 'last used', format: 'time' },
            { key: 'state', header: 'state' },
          ],
        );
      }),
    );
  token
    .command('revoke')
    .description('Revoke a scoped token; clients using it lose access at once.')
    .argument('<name>', 'the token name')
    .action((name: string, _o, cmd: Command) =>
      withClient(cmd, async (client, opts) => {
        const result = await client.call('token.revoke', { name });
        if (opts.json) return printJson(result);
        process.stderr.write(
          `aistack: ${result.revoked ? `token "${name}" revoked` : `token "${name}" was already revoked`}\n`,
        );
      }),
    );
  return token;
}
