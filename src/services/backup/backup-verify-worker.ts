/**
 * A worker thread that verifies one backup file for `system.doctor` (backup-check.ts),
 * so a large file's integrity_check never holds the daemon's event loop and can be
 * stopped at a time limit (the thread is terminated). It runs the very check `aistack
 * backup verify` runs, and counts what of the sessions the file holds.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { MIGRATIONS } from '../../store/schema.js';
import { openUntrusted } from '../../store/rebuild.js';
import { verifyDatabaseFile } from './backup-verify.js';
import type { VerifyJob, VerifyReply } from './backup-verify-async.js';

function sessionData(path: string): VerifyReply['sessions'] {
  const db = openUntrusted(path);
  try {
    const count = (sql: string) => db.prepare(sql).pluck().get() as number;
    return {
      sessions: count('SELECT count(*) FROM sessions'),
      entries: count(
        "SELECT count(*) FROM memory_entries WHERE substr(namespace, 1, 8) = 'session:'",
      ),
    };
  } catch {
    return null; // not an aistack database: verification says so
  } finally {
    db.close();
  }
}

const job = workerData as VerifyJob;
let reply: VerifyReply;
try {
  const result = verifyDatabaseFile(job.path, MIGRATIONS, job.bytes);
  reply = {
    ok: result.ok,
    problems: result.problems.slice(0, 10),
    sessions: sessionData(job.path),
  };
} catch (err) {
  reply = { ok: false, problems: [(err as Error).message.slice(0, 500)], sessions: null };
}
parentPort!.postMessage(reply);
