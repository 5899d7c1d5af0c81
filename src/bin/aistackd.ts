#!/usr/bin/env node
import { CommanderError } from 'commander';
import { daemonCommand } from '../daemon/main.js';

try {
  await daemonCommand().exitOverride().parseAsync(process.argv);
} catch (err) {
  // Commander has printed what was wrong (an unknown option, a missing value): a usage
  // error exits 2, as for `aistack`; --help and --version exit 0.
  if (err instanceof CommanderError) process.exit(err.exitCode === 0 ? 0 : 2);
  throw err;
}
