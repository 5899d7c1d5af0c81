/**
 * `aistackd`: the daemon process. Parses its flags, starts the daemon, and turns signals
 * into actions — SIGTERM/SIGINT stop gracefully (a second one forces), SIGHUP reloads
 * the configuration.
 */
import { Command, Option } from 'commander';
import { VERSION } from '../core/version.js';
import { Daemon } from './daemon.js';
import type { LogFormat } from './logger.js';

export interface DaemonCliOptions {
  socket?: string;
  dataDir?: string;
  config?: string;
  logFile?: string | boolean;
  logFormat?: LogFormat;
}

export async function runDaemon(opts: DaemonCliOptions): Promise<void> {
  process.umask(0o077);
  let daemon: Daemon;
  try {
    daemon = new Daemon({
      socketPath: opts.socket,
      dataDir: opts.dataDir,
      configPath: opts.config,
      onStopped: () => process.exit(0),
      ...(opts.logFile
        ? {
            log: {
              kind: 'file',
              ...(typeof opts.logFile === 'string' ? { path: opts.logFile } : {}),
            },
          }
        : { log: { kind: 'stdout', format: opts.logFormat ?? 'auto' } }),
    });
  } catch (err) {
    process.stderr.write(`aistackd: ${(err as Error).message}\n`);
    process.exit(1);
  }
  // Handlers go in before the socket exists: a signal that arrives while starting is
  // acted on once start-up is done, never left to Node's default (exit on SIGHUP).
  let started = false;
  let pendingReload = false;
  let signals = 0;
  const stop = (signal: string) => {
    signals++;
    if (signals > 1) {
      daemon.logger?.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    if (!started) return;
    daemon.logger.info({ signal }, 'signal received; shutting down');
    daemon.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  const reload = () => {
    if (!started) {
      pendingReload = true;
      return;
    }
    daemon.reload().catch(() => {
      /* reload() logged why; the running config stays */
    });
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGHUP', reload);
  // Node opens its inspector on SIGUSR1 unless someone listens for it; a listener keeps it
  // shut, so no process that can only signal us (a plugin, say) can reach our memory.
  process.on('SIGUSR1', () => daemon.logger?.warn('SIGUSR1 ignored: the inspector stays closed'));
  try {
    await daemon.start();
  } catch (err) {
    process.stderr.write(`aistackd: ${(err as Error).message}\n`);
    process.exit(1);
  }
  started = true;
  if (signals > 0) {
    signals = 0;
    stop('SIGTERM');
  } else if (pendingReload) reload();
  process.on('uncaughtException', (err) => {
    daemon.logger.fatal({ err }, 'uncaught exception; shutting down');
    void daemon.stop().finally(() => process.exit(1));
  });
  process.on('unhandledRejection', (err) => {
    daemon.logger.error({ err }, 'unhandled promise rejection');
  });
}

export function daemonCommand(): Command {
  return new Command('aistackd')
    .description(
      'The aistack daemon: owns the memory store and serves JSON-RPC 2.0 on a private Unix socket.',
    )
    .version(VERSION)
    .option(
      '--socket <path>',
      'socket path (default: $AISTACK_SOCKET, config, $XDG_RUNTIME_DIR/aistack/aistack.sock)',
    )
    .option(
      '--data-dir <dir>',
      'data directory (default: $AISTACK_DATA_DIR, config, $XDG_DATA_HOME/aistack)',
    )
    .option(
      '--config <file>',
      'config file (default: $AISTACK_CONFIG, $XDG_CONFIG_HOME/aistack/aistack.config.json)',
    )
    .option(
      '--log-file [file]',
      'log to a rotated file instead of stdout (default file: <data-dir>/logs/aistackd.log)',
    )
    .addOption(logFormatOption())
    .action((opts: DaemonCliOptions) => runDaemon(opts));
}

/** `--log-format`, shared with `aistack daemon start -f`. */
export function logFormatOption(): Option {
  return new Option(
    '--log-format <format>',
    'foreground log lines: pretty (readable) or json; default pretty on a terminal, else json',
  ).choices(['json', 'pretty']);
}
