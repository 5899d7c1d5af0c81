/**
 * Backup files as a test sees them: editing one the way someone holding it could, reading
 * it back directly, and the calls the backup tests share (a store into a namespace, the
 * CLI against a test daemon, an expected refusal).
 */
import Database from 'better-sqlite3';
import { expect } from 'vitest';
import { RpcError, type AistackClient } from '../../src/clients/client.js';
import { runCli, type TestDaemon } from './daemon.js';
import type { TestSession } from './session.js';

/** Edits a backup file the way someone holding it could. */
export function tamper(path: string, sql: string): void {
  const db = new Database(path);
  try {
    db.exec(sql);
  } finally {
    db.close();
  }
}

/** Rows of `sql` read straight from a database file (read-only). */
export function query<T>(path: string, sql: string, ...params: unknown[]): T[] {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    return db.prepare(sql).all(...params) as T[];
  } finally {
    db.close();
  }
}

/** The single number `sql` (a count) reads from a database file. */
export const count = (path: string, sql: string, ...params: unknown[]) =>
  Object.values(query<Record<string, number>>(path, sql, ...params)[0]!)[0];

/** Stores `content of <key>` under `key`, in `namespace` or the session's own. */
export async function storeIn(c: AistackClient, s: TestSession, key: string, namespace?: string) {
  await c.call('memory.store', {
    key,
    content: `content of ${key}`,
    ...(namespace && { namespace }),
    ...s.creds,
  });
}

/** The real CLI against a test daemon, never starting one. */
export const cli = (d: TestDaemon, args: string[]) =>
  runCli(['--socket', d.socketPath, '--data-dir', d.dataDir, '--no-autostart', ...args], {
    HOME: d.dir,
  });

/** The RpcError a call is refused with (fails the test if it succeeds). */
export async function refusal(call: Promise<unknown>): Promise<RpcError> {
  const err = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(RpcError);
  return err as RpcError;
}
