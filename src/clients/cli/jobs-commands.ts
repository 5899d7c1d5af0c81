/**
 * `aistack jobs list|run`.
 */
import { Command } from 'commander';
import { withClient } from './context.js';
import { printJson, printTable } from './output.js';
import { ago } from './human.js';

export function jobsCommands(): Command {
  const jobs = new Command('jobs').description(
    'Scheduled jobs: idle-session cleanup, key reminders, audit checks, backups.',
  );
  jobs
    .command('list')
    .description('Show each job with its schedule, last run and next run.')
    .action((_o, cmd: Command) =>
      withClient(cmd, async (client, opts) => {
        const { jobs: list } = await client.call('system.jobs');
        if (opts.json) return printJson({ jobs: list });
        printTable(
          list.map((j) => ({
            ...j,
            state: !j.enabled ? 'off' : j.running ? 'running' : 'on',
            last: j.lastRun
              ? `${ago(j.lastRun.finishedAt)} ${j.lastRun.ok ? 'ok' : `FAILED: ${j.lastRun.error}`}`
              : 'never',
          })),
          [
            { key: 'name', header: 'job' },
            { key: 'state', header: 'state' },
            { key: 'schedule', header: 'schedule' },
            { key: 'last', header: 'last run', max: 70 },
            { key: 'nextRun', header: 'next run', format: 'time' },
          ],
        );
      }),
    );
  jobs
    .command('run <name>')
    .description('Run a job now and print its result (exit 1 if it failed).')
    .action((name: string, _o, cmd: Command) =>
      withClient(cmd, async (client, opts) => {
        const run = await client.call('jobs.run', { name });
        if (opts.json) printJson(run);
        else
          process.stdout.write(
            run.ok
              ? `${name}: ok ${JSON.stringify(run.result ?? null)}\n`
              : `${name}: FAILED: ${run.error}\n`,
          );
        if (!run.ok) process.exitCode = 1;
      }),
    );
  return jobs;
}
