/**
 * Verifying a backup off the event loop, within a time limit: the check runs in a worker
 * thread (backup-verify-worker.ts) that is terminated when the limit passes. For
 * `system.doctor`; `backup.verify` and restores verify in place, as before.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';

export interface VerifyJob {
  path: string;
  bytes: number;
}

export interface VerifyReply {
  ok: boolean;
  /** At most 10, from backup-verify's report. */
  problems: string[];
  /** What of the sessions the file holds; null when that could not be read. */
  sessions: { sessions: number; entries: number } | null;
}

export type VerifyOutcome = VerifyReply | { timedOut: true; limitMs: number };

/** The compiled worker; under tests that run the TypeScript sources, the one in dist/. */
function workerScript(): string {
  const here = fileURLToPath(new URL('./backup-verify-worker.js', import.meta.url));
  if (existsSync(here)) return here;
  return fileURLToPath(
    new URL('../../../dist/services/backup/backup-verify-worker.js', import.meta.url),
  );
}

const WORKER_HEAP_MB = 64;

export function verifyInWorker(job: VerifyJob, limitMs: number): Promise<VerifyOutcome> {
  return new Promise((resolve) => {
    const worker = new Worker(workerScript(), {
      workerData: job,
      resourceLimits: { maxOldGenerationSizeMb: WORKER_HEAP_MB },
    });
    let settled = false;
    const done = (outcome: VerifyOutcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(outcome);
      void worker.terminate();
    };
    const timer = setTimeout(() => done({ timedOut: true, limitMs }), limitMs);
    worker.once('message', (reply: VerifyReply) => done(reply));
    worker.once('error', (err) =>
      done({ ok: false, problems: [`the check failed: ${err.message}`], sessions: null }),
    );
    worker.once('exit', (code) =>
      done({ ok: false, problems: [`the check stopped (exit ${code})`], sessions: null }),
    );
  });
}
