/**
 * `aistack daemon start|stop|status|restart` and `aistack ping`.
 */
import { existsSync } from 'node:fs';
import { Command, Option } from 'commander';
import { lockHolder, socketLockPath } from '../../core/lock-file.js';
import { refusedWhileStopping, startDaemonInBackground } from '../autostart.js';
import {
  CliError,
  EXIT,
  globals,
  connectIfRunning,
  resolvePaths,
  say,
  withClient,
} from './context.js';
import { printFields, printJson } from './output.js';
import { statusFields } from './status-view.js';

async function waitGone(socketPath: string, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!existsSync(socketPath)) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return false;
}

async function start(
  cmd: Command,
  foreground: boolean,
  logFormat?: 'json' | 'pretty',
): Promise<void> {
  const opts = globals(cmd);
  const { socketPath } = resolvePaths(opts);
  if (foreground) {
    // Loaded only here: every other command stays a thin client without SQLite or pino.
    const { runDaemon } = await import('../../daemon/main.js');
    await runDaemon({
      socket: opts.socket,
      dataDir: opts.dataDir,
      config: opts.config,
      ...(logFormat && { logFormat }),
    });
    return;
  }
  const existing = await connectIfRunning(opts);
  if (existing) {
    const status = await existing.call('system.status');
    existing.close();
    if (opts.json)
      printJson({ started: false, alreadyRunning: true, pid: status.pid, socket: socketPath });
    else say(`the daemon is already running (pid ${status.pid}, socket ${socketPath})`);
    return;
  }
  const { pid, started } = await startDaemonInBackground({
    socketPath,
    dataDir: opts.dataDir,
    configPath: opts.config,
  });
  if (opts.json)
    printJson({ started, ...(!started && { alreadyRunning: true }), pid, socket: socketPath });
  else if (started) say(`daemon started in the background (pid ${pid}, socket ${socketPath})`);
  else say(`the daemon is already running (pid ${pid}, socket ${socketPath})`);
}

async function stop(cmd: Command): Promise<boolean> {
  const opts = globals(cmd);
  const { socketPath } = resolvePaths(opts);
  const client = await connectIfRunning(opts);
  if (!client) {
    if (opts.json) printJson({ stopped: false, running: false });
    else say(`the daemon is not running (socket ${socketPath})`);
    return false;
  }
  // A daemon that is stopping already refuses the call; waiting for it is all that is left.
  const pid = await client.call('system.shutdown').then(
    (r) => r.pid,
    (err: unknown) => {
      if (refusedWhileStopping(err)) return lockHolder(socketLockPath(socketPath)) ?? 0;
      throw err;
    },
  );
  client.close();
  if (!(await waitGone(socketPath, 15_000)))
    throw new CliError(`the daemon (pid ${pid}) did not stop within 15 s`);
  if (opts.json) printJson({ stopped: true, pid });
  else say(`daemon stopped (pid ${pid})`);
  return true;
}

export function daemonCommands(): Command[] {
  const daemon = new Command('daemon').description('Start, stop and inspect the aistackd daemon.');
  daemon
    .command('start')
    .description('Start the daemon in the background (or in this terminal with --foreground).')
    .option('-f, --foreground', 'run in this process, logging to stdout, until SIGTERM/Ctrl-C')
    .addOption(
      new Option(
        '--log-format <format>',
        'with --foreground: pretty (readable) or json log lines; default pretty on a terminal, else json',
      ).choices(['json', 'pretty']),
    )
    .action((o: { foreground?: boolean; logFormat?: 'json' | 'pretty' }, cmd: Command) => {
      if (o.logFormat && !o.foreground)
        throw new CliError('--log-format applies to --foreground only', EXIT.USAGE);
      return start(cmd, Boolean(o.foreground), o.logFormat);
    });
  daemon
    .command('stop')
    .description(
      'Stop the daemon gracefully: in-flight requests finish, then the socket is removed.',
    )
    .action(async (_o, cmd: Command) => void (await stop(cmd)));
  daemon
    .command('restart')
    .description('Stop the daemon if it runs, then start it in the background.')
    .action(async (_o, cmd: Command) => {
      await stop(cmd);
      await start(cmd, false);
    });
  daemon
    .command('status')
    .description(
      'Show version, pid, uptime, paths, database size, connections and request counts (exit 3 if not running).',
    )
    .action(async (_o, cmd: Command) => {
      const opts = globals(cmd);
      const { socketPath } = resolvePaths(opts);
      const client = await connectIfRunning(opts);
      if (!client) {
        if (opts.json) printJson({ running: false, socket: socketPath });
        else say(`not running (socket ${socketPath})`);
        process.exitCode = EXIT.NOT_RUNNING;
        return;
      }
      try {
        const status = await client.call('system.status');
        if (opts.json) printJson({ running: true, ...status });
        else printFields(statusFields(status));
      } finally {
        client.close();
      }
    });

  const ping = new Command('ping')
    .description('Check that the daemon answers, and how fast (starts it unless --no-autostart).')
    .action((_o, cmd: Command) =>
      withClient(cmd, async (client, opts) => {
        const t0 = process.hrtime.bigint();
        const result = await client.call('system.ping');
        const ms = Number(process.hrtime.bigint() - t0) / 1e6;
        if (opts.json) printJson({ ...result, roundTripMs: ms });
        else process.stdout.write(`pong from aistackd in ${ms.toFixed(2)} ms\n`);
      }),
    );
  return [daemon, ping];
}
