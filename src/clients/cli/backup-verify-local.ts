/**
 * `aistack backup verify FILE` when no daemon runs: the very check the daemon makes
 * (services/backup/backup-verify.ts, against the migrations this aistack ships), run in
 * this process on the file opened read-only. This one CLI module may reach into services
 * and store (a named exception in scripts/lint-layers.js): checking a file needs no
 * daemon state, and running the daemon's own code keeps both answers the same. Only
 * `backup verify` loads it (a dynamic import), so every other command stays a thin client.
 */
import { lstatSync, type Stats } from 'node:fs';
import type { ResultOf } from '../../protocol/table.js';
import { verifyDatabaseFile } from '../../services/backup/backup-verify.js';
import { MIGRATIONS } from '../../store/schema.js';
import { CliError } from './cli-error.js';

export function verifyBackupLocally(path: string): ResultOf<'backup.verify'> {
  let st: Stats;
  try {
    st = lstatSync(path);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'ENOENT') throw new CliError(`backup file ${path} not found`);
    if (e.code === 'EACCES')
      throw new CliError(`backup file ${path} cannot be read: permission denied`);
    throw new CliError(`backup file ${path} cannot be read: ${e.message}`);
  }
  if (!st.isFile()) throw new CliError(`backup file ${path} is not a regular file`);
  return verifyDatabaseFile(path, MIGRATIONS, st.size);
}
