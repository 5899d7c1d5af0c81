/**
 * Parsers for option values, checked when the command line is read: a bad value is a
 * usage error (exit 2) naming the option and what it takes, before anything contacts
 * the daemon. Commander puts the option's name in front of the message.
 */
import { InvalidArgumentError } from 'commander';

/** A whole number in [min, max]: `--limit <n>`, `--offset <n>`. */
export function integer(min = 0, max = Number.MAX_SAFE_INTEGER) {
  return (value: string): number => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isSafeInteger(n) || n < min || n > max) {
      throw new InvalidArgumentError(
        max === Number.MAX_SAFE_INTEGER
          ? `expected a whole number ≥ ${min}`
          : `expected a whole number from ${min} to ${max}`,
      );
    }
    return n;
  };
}

/** A positive number, fractions allowed: `--timeout <seconds>`, `--idle <minutes>`. */
export function positive(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n <= 0)
    throw new InvalidArgumentError('expected a positive number');
  return n;
}

const UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400, w: 604_800 };

/** A duration in seconds: `90`, `90s`, `15m`, `1h`, `2d`, `1w` (`--ttl <duration>`). */
export function duration(value: string): number {
  const m = /^(\d+)([smhdw]?)$/.exec(value.trim());
  const seconds = m ? Number(m[1]) * UNITS[m[2] || 's']! : NaN;
  if (!Number.isSafeInteger(seconds) || seconds < 1)
    throw new InvalidArgumentError('expected a duration such as 90s, 15m, 1h, 2d or 1w');
  return seconds;
}

/**
 * A point in time as ISO-8601: an ISO date or date-time, or a duration meaning that long
 * ago (`--since 1h`). `now` is for tests.
 */
export function pointInTime(value: string, now = Date.now()): string {
  const v = value.trim();
  if (/^\d+[smhdw]?$/.test(v)) return new Date(now - duration(v) * 1000).toISOString();
  const at = /^\d{4}-\d{2}-\d{2}(T.*)?$/.test(v) ? Date.parse(v) : NaN;
  if (Number.isNaN(at))
    throw new InvalidArgumentError(
      'expected an ISO date or time (2026-12-01T10:00:00Z) or a duration ago (1h, 2d)',
    );
  return new Date(at).toISOString();
}
