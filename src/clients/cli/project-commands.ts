/**
 * `aistack project list|show|rename`: the projects whose memory persists across sessions
 * (`project:<slug>` namespaces). Sessions are bound to a project when they start (the
 * MCP shim does it from the client's roots or folder); these commands are the owner's
 * view of them. Rename changes the display name only: the slug and the namespace stay,
 * so no entry moves.
 */
import { Command } from 'commander';
import type { ProjectInfo } from '../../protocol/project.js';
import { withClient } from './context.js';
import { plural } from './human.js';
import { printFields, printJson, printTable } from './output.js';

const entries = (n: number) => plural(n, 'entry');

const row = (p: ProjectInfo) => ({
  slug: p.slug,
  name: p.name,
  entries: p.entries,
  sessions: p.activeSessions,
  created: p.createdAt.slice(0, 16),
  root: p.root ?? '',
});

export function projectCommands(): Command {
  const project = new Command('project').description(
    'List, show and rename projects (memory kept per project, in namespace project:<slug>).',
  );
  project
    .command('list')
    .description('Every project: slug, name, entries, active sessions, created, root folder.')
    .action((_o, cmd: Command) =>
      withClient(cmd, async (client, opts) => {
        const result = await client.call('project.list');
        if (opts.json) return printJson(result);
        printTable(result.projects.map(row), [
          { key: 'slug', header: 'slug' },
          { key: 'name', header: 'name' },
          { key: 'entries', header: 'entries' },
          { key: 'sessions', header: 'sessions' },
          { key: 'created', header: 'created' },
          { key: 'root', header: 'root', max: 80 },
        ]);
      }),
    );
  project
    .command('show')
    .description('One project, by slug, project:<slug> or display name.')
    .argument('<project>', 'slug, namespace or name')
    .action((name: string, _o, cmd: Command) =>
      withClient(cmd, async (client, opts) => {
        const result = await client.call('project.show', { project: name });
        if (opts.json) return printJson(result);
        printFields(result.project);
      }),
    );
  project
    .command('rename')
    .description(
      'Give a project another display name; its slug and namespace (and so its entries) stay.',
    )
    .argument('<project>', 'slug, namespace or name')
    .argument('<name>', 'the new display name')
    .action((name: string, next: string, _o, cmd: Command) =>
      withClient(cmd, async (client, opts) => {
        const result = await client.call('project.rename', { project: name, name: next });
        if (opts.json) return printJson(result);
        process.stdout.write(
          `renamed ${result.project.namespace}: "${result.previousName}" → "${result.project.name}" (namespace unchanged, ${entries(result.project.entries)})\n`,
        );
      }),
    );
  return project;
}
