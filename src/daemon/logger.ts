/**
 * The daemon's logger: pino to stdout (foreground) or to a rotated file under the data dir
 * (background), in a directory nobody else may write to. On stdout the lines are JSON,
 * or pino-pretty's readable lines when stdout is a terminal (or `--log-format pretty`);
 * pretty lines are formatted in this process and written synchronously, never through a
 * transport worker, so a line logged just before exit is not lost. Every argument
 * passes through the redactor first, so a secret-named field or a secret-shaped string
 * never reaches a log line, whoever logged it.
 */
import { mkdirSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import pino, { type DestinationStream, type Logger } from 'pino';
import { checkOnlyYouWrite } from '../core/private-file.js';
import type { Redactor } from '../config/secrets.js';

/** How stdout lines look: JSON, pino-pretty's, or pretty exactly when stdout is a TTY. */
export type LogFormat = 'json' | 'pretty' | 'auto';

export type LogTarget =
  | { kind: 'stdout'; format?: LogFormat }
  | { kind: 'file'; path: string }
  | { kind: 'stream'; stream: DestinationStream };

/**
 * Where logs go: the option given, else config `logging.file`, else stdout (a stdout
 * option, which only picks the format, yields to `logging.file`). A file target without a
 * path means `<dataDir>/logs/aistackd.log`.
 */
export function resolveLogTarget(
  option: LogTarget | { kind: 'file'; path?: string } | undefined,
  configFile: string | undefined,
  dataDir: string,
): LogTarget {
  // A stdout option only says how stdout lines look: config `logging.file` still wins.
  const preferred = option?.kind === 'stdout' && configFile ? undefined : option;
  const log = preferred ?? (configFile ? { kind: 'file' as const, path: configFile } : undefined);
  if (!log) return { kind: 'stdout' };
  if (log.kind === 'file')
    return { kind: 'file', path: log.path ?? join(dataDir, 'logs', 'aistackd.log') };
  return log;
}

function scrubArg(redactor: Redactor, arg: unknown): unknown {
  if (typeof arg === 'string') return redactor.scrubText(arg);
  if (arg instanceof Error) return serializeError(redactor, arg);
  if (arg && typeof arg === 'object') {
    const obj = arg as Record<string, unknown>;
    const err = obj.err instanceof Error ? serializeError(redactor, obj.err) : undefined;
    const scrubbed = redactor.scrub(obj);
    return err ? { ...scrubbed, err } : scrubbed;
  }
  return arg;
}

function serializeError(redactor: Redactor, err: Error) {
  return {
    type: err.name,
    message: redactor.scrubText(err.message),
    ...(err.stack ? { stack: redactor.scrubText(err.stack) } : {}),
    ...((err as NodeJS.ErrnoException).code ? { code: (err as NodeJS.ErrnoException).code } : {}),
  };
}

/**
 * pino-pretty's formatter, in process: each JSON line becomes a readable line written
 * synchronously to stdout. Colour as pino-pretty decides it (a TTY, NO_COLOR, FORCE_COLOR).
 */
async function prettyStdout(): Promise<DestinationStream> {
  const { prettyFactory } = await import('pino-pretty');
  const format = prettyFactory({ translateTime: 'SYS:yyyy-mm-dd HH:MM:ss.l', ignore: 'hostname' });
  return { write: (line: string) => void writeSync(1, format(line)) };
}

export async function createLogger(options: {
  level: string;
  target: LogTarget;
  redactor: Redactor;
}): Promise<Logger> {
  const { redactor, target } = options;
  let destination: DestinationStream;
  if (target.kind === 'stdout') {
    const format = target.format ?? 'auto';
    // Synchronous: log lines are rare, and none may be lost when the process exits.
    destination =
      format === 'pretty' || (format === 'auto' && process.stdout.isTTY)
        ? await prettyStdout()
        : pino.destination({ dest: 1, sync: true });
  } else if (target.kind === 'file') {
    // Log files are appended to, not renamed into place: their directory must be ours alone.
    checkOnlyYouWrite(dirname(target.path), 'the log file');
    mkdirSync(dirname(target.path), { recursive: true, mode: 0o700 });
    const { default: roll } = await import('pino-roll');
    destination = await roll({
      file: target.path,
      size: '20m',
      limit: { count: 5 },
      mkdir: true,
      mode: 0o600,
    });
  } else {
    destination = target.stream;
  }
  return pino(
    {
      level: options.level,
      base: { pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      hooks: {
        logMethod(args, method) {
          method.apply(this, args.map((a) => scrubArg(redactor, a)) as Parameters<typeof method>);
        },
      },
    },
    destination,
  );
}
