/**
 * The daemon's logger: pino JSON lines to stdout (foreground) or to a rotated file under
 * the data dir (background), in a directory nobody else may write to. Every argument
 * passes through the redactor first, so a secret-named field or a secret-shaped string
 * never reaches a log line, whoever logged it.
 */
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import pino, { type DestinationStream, type Logger } from 'pino';
import { checkOnlyYouWrite } from '../core/private-file.js';
import type { Redactor } from '../config/secrets.js';

export type LogTarget =
  | { kind: 'stdout' }
  | { kind: 'file'; path: string }
  | { kind: 'stream'; stream: DestinationStream };

/**
 * Where logs go: the option given, else config `logging.file`, else stdout. A file target
 * without a path means `<dataDir>/logs/aistackd.log`.
 */
export function resolveLogTarget(
  option: LogTarget | { kind: 'file'; path?: string } | undefined,
  configFile: string | undefined,
  dataDir: string,
): LogTarget {
  const log = option ?? (configFile ? { kind: 'file' as const, path: configFile } : undefined);
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

export async function createLogger(options: {
  level: string;
  target: LogTarget;
  redactor: Redactor;
}): Promise<Logger> {
  const { redactor, target } = options;
  let destination: DestinationStream;
  if (target.kind === 'stdout') {
    // Synchronous: log lines are rare, and none may be lost when the process exits.
    destination = pino.destination({ dest: 1, sync: true });
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
