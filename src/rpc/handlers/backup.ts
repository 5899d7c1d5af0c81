/**
 * Handlers of `backup.*`: online backup, verification and restore of the database.
 */
import type { HandlerTable } from '../handler.js';

export const backupHandlers = {
  'backup.create': (p, { services }) =>
    services.backup.backupTo(p.out, { force: p.force, includeSessions: p.includeSessions }),
  'backup.verify': (p, { services }) => services.backup.verify(p.file),
  'backup.restore': (p, { services }) => services.backup.restore(p.file),
} satisfies Partial<HandlerTable>;
