/**
 * `aistack github issue create|list`, `github pr list`, `github repo view`: GitHub through
 * the daemon, which runs `gh` for us (so the call is validated, time-limited and audited
 * in one place). The daemon needs `github.enabled: true` and a logged-in gh.
 */
import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { CliError, EXIT, withClient } from './context.js';
import { printFields, printJson, printTable } from './output.js';
import { integer } from './option-values.js';

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** `--body` or `--body-file` (`-` for stdin), never both. */
function readBody(o: { body?: string; bodyFile?: string }): string | undefined {
  if (o.body !== undefined && o.bodyFile !== undefined)
    throw new CliError('give --body or --body-file, not both', EXIT.USAGE);
  if (o.bodyFile === undefined) return o.body;
  try {
    return readFileSync(o.bodyFile === '-' ? 0 : o.bodyFile, 'utf8');
  } catch (err) {
    throw new CliError(`cannot read --body-file: ${(err as Error).message}`, EXIT.USAGE);
  }
}

function issueCommands(): Command {
  const issue = new Command('issue').description('Create and list issues.');
  issue
    .command('create')
    .description('Create an issue and print its URL.')
    .requiredOption('-R, --repo <owner/name>', 'repository')
    .requiredOption('-t, --title <text>', 'issue title (1–256 characters)')
    .option('-b, --body <text>', 'issue body (Markdown)')
    .option('-F, --body-file <file>', 'read the body from a file ("-" for stdin)')
    .option('-l, --label <name>', 'add a label (repeat for more)', collect)
    .action(
      (
        o: { repo: string; title: string; body?: string; bodyFile?: string; label?: string[] },
        cmd: Command,
      ) => {
        const body = readBody(o);
        return withClient(cmd, async (client, opts) => {
          const created = await client.call('github.issue.create', {
            repo: o.repo,
            title: o.title,
            ...(body !== undefined && { body }),
            ...(o.label && { labels: o.label }),
          });
          if (opts.json) printJson(created);
          else process.stdout.write(`${created.url}\n`);
        });
      },
    );
  issue
    .command('list')
    .description('List issues of a repository.')
    .requiredOption('-R, --repo <owner/name>', 'repository')
    .option('-s, --state <state>', 'open, closed or all', 'open')
    .option('-L, --limit <n>', 'at most this many (1–100)', integer(1, 100), 30)
    .option('-l, --label <name>', 'only issues with this label')
    .action((o: { repo: string; state: string; limit: number; label?: string }, cmd: Command) =>
      withClient(cmd, async (client, opts) => {
        const result = await client.call('github.issue.list', {
          repo: o.repo,
          state: o.state as 'open' | 'closed' | 'all',
          limit: o.limit,
          ...(o.label && { label: o.label }),
        });
        if (opts.json) return printJson(result);
        printTable(
          result.issues.map((i) => ({ ...i, labels: i.labels.join(', ') })),
          [
            { key: 'number', header: '#' },
            { key: 'state', header: 'state' },
            { key: 'title', header: 'title', max: 60 },
            { key: 'author', header: 'author', max: 20 },
            { key: 'labels', header: 'labels', max: 30 },
            { key: 'createdAt', header: 'created', format: 'time' },
          ],
        );
      }),
    );
  return issue;
}

function prCommands(): Command {
  const pr = new Command('pr').description('List pull requests.');
  pr.command('list')
    .description('List pull requests of a repository.')
    .requiredOption('-R, --repo <owner/name>', 'repository')
    .option('-s, --state <state>', 'open, closed, merged or all', 'open')
    .option('-L, --limit <n>', 'at most this many (1–100)', integer(1, 100), 30)
    .action((o: { repo: string; state: string; limit: number }, cmd: Command) =>
      withClient(cmd, async (client, opts) => {
        const result = await client.call('github.pr.list', {
          repo: o.repo,
          state: o.state as 'open' | 'closed' | 'merged' | 'all',
          limit: o.limit,
        });
        if (opts.json) return printJson(result);
        printTable(result.pullRequests, [
          { key: 'number', header: '#' },
          { key: 'state', header: 'state' },
          { key: 'title', header: 'title', max: 60 },
          { key: 'author', header: 'author', max: 20 },
          { key: 'headRefName', header: 'branch', max: 30 },
          { key: 'createdAt', header: 'created', format: 'time' },
        ]);
      }),
    );
  return pr;
}

export function githubCommands(): Command {
  const github = new Command('github').description(
    'GitHub through the daemon and the gh CLI (needs github.enabled: true and gh auth login).',
  );
  github.addCommand(issueCommands());
  github.addCommand(prCommands());
  const repo = new Command('repo').description('Look at repositories.');
  repo
    .command('view')
    .description('Show a repository: description, URL, default branch, visibility, stars.')
    .argument('<owner/name>', 'repository')
    .action((name: string, _o, cmd: Command) =>
      withClient(cmd, async (client, opts) => {
        const result = await client.call('github.repo.view', { repo: name });
        if (opts.json) printJson(result);
        else printFields(result);
      }),
    );
  github.addCommand(repo);
  return github;
}
