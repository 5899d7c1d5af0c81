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
