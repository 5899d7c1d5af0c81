/**
 * `aistack doctor`: the security checklist, automated. Each check prints PASS, WARN or
 * FAIL with one line on how to fix it; `--json` prints one document (checks and a
 * summary) for scripts; the exit code is 1 when anything FAILs. The checks of files,
 * config and environment run here; those that need the daemon's view (its audit log,
 * Node, SQLite and backups) come from `system.doctor` and are merged in, replacing a
 * local check of the same name. It never starts the daemon: an unreachable daemon is
 * itself a finding, and the checks that need it are listed as skipped.
 */
import { Command } from 'commander';
import { loadConfig, type LoadedConfig } from '../../config/load.js';
import { VERSION } from '../../core/version.js';
import { DOCTOR_CHECK_NAMES } from '../../protocol/doctor.js';
import type { ResultOf } from '../../protocol/table.js';
import type { AistackClient } from '../client.js';
import { connectIfRunning, globals, resolvePaths, type GlobalOptions } from './context.js';
import * as checks from './doctor-checks.js';
import { containerEvidence, notRoot } from './doctor-root.js';
import { paintVerdict, stdoutPaint } from './colour.js';
import { printJson } from './output.js';

async function daemonFacts(opts: GlobalOptions) {
  let client: AistackClient | undefined;
  try {
    client = await connectIfRunning(opts, 10_000);
  } catch {
    return undefined;
  }
  if (!client) return undefined;
  try {
    const status = await client.call('system.status');
    const audit = await client.call('audit.verify').catch((err: unknown) => err as Error);
    const plugins = await client.call('plugin.list').catch((err: unknown) => err as Error);
    // `mark`: this run starts the next run's anomaly window.
    const doctor = await client
      .call('system.doctor', { mark: true }, 120_000)
      .catch((err: unknown) => err as Error);
    return { status, audit, plugins, doctor };
  } finally {
    client.close();
  }
}

/** The daemon's checks as the CLI shows them; without a daemon, each one skipped. */
function daemonChecks(doctor: ResultOf<'system.doctor'> | Error | undefined): checks.Check[] {
  if (!doctor)
    return DOCTOR_CHECK_NAMES.map((id) => ({ id, verdict: 'SKIP', detail: 'daemon not running' }));
  if (doctor instanceof Error) {
    return [
      {
        id: 'daemon-checks',
        verdict: 'WARN',
        detail: `the daemon could not run its checks (${DOCTOR_CHECK_NAMES.join(', ')}): ${doctor.message}`,
        fix: 'see the daemon log; a daemon older than this CLI lacks system.doctor: aistack daemon restart',
      },
    ];
  }
  return doctor.checks.map((c) => ({
    id: c.name,
    verdict: c.status,
    detail: c.detail,
    ...(c.fix !== null && { fix: c.fix }),
  }));
}

/**
 * The daemon's view wins over a local check of the same name (the backup's age); without
 * a daemon, the local check stands and only the checks nothing here can make are skipped.
 */
export function merge(local: checks.Check[], remote: checks.Check[]): checks.Check[] {
  const ran = new Set(remote.filter((c) => c.verdict !== 'SKIP').map((c) => c.id));
  const here = new Set(local.map((c) => c.id));
  return [
    ...local.filter((c) => !ran.has(c.id)),
    ...remote.filter((c) => c.verdict !== 'SKIP' || !here.has(c.id)),
  ];
}

export function doctorCommand(): Command {
  return new Command('doctor')
    .description(
      'Check the setup against the security checklist: PASS / WARN / FAIL, each with how to fix it (exit 1 on FAIL).',
    )
    .action(async (_o, cmd: Command) => {
      const opts = globals(cmd);
      let loaded: LoadedConfig | Error;
      try {
        loaded = loadConfig({ flag: opts.config });
      } catch (err) {
        loaded = err as Error;
      }
      const paths = resolvePaths(opts);
      const facts = await daemonFacts(opts);
      const status = facts?.status;
      const dataDir = status?.dataDir ?? paths.dataDir;
      const config = loaded instanceof Error ? undefined : loaded.config;
      const rotationDays = config?.security.keyRotationDays ?? 90;
      const local: checks.Check[] = [
        checks.daemonVersion(VERSION, status, paths.socketPath),
        checks.nodeVersion(),
        checks.keysFromEnvironment(loaded),
        checks.configFileMode(loaded instanceof Error ? undefined : loaded.file),
        checks.transportSecurity(status?.insecureTransport, loaded),
        checks.dataDirModes(dataDir),
        checks.socketModes(status?.socket ?? paths.socketPath, status !== undefined),
        checks.unusedFeatures([
          {
            name: 'plugins',
            enabled: config?.plugins.enabled ?? false,
            reason: config?.plugins.reason,
          },
          {
            name: 'github',
            enabled: config?.github.enabled ?? false,
            reason: config?.github.reason,
          },
          {
            name: 'memory.embeddings',
            enabled: config?.memory.embeddings.enabled ?? false,
            reason: config?.memory.embeddings.reason,
          },
        ]),
        checks.pluginsReviewed(facts?.plugins),
        checks.keyAges(status?.keys, rotationDays),
        checks.backupAge(dataDir, config?.security.maxBackupAgeDays ?? 7),
        checks.auditChain(facts?.audit),
        notRoot(status ? status.uid : undefined, containerEvidence()),
        checks.walHealth(status?.database),
      ];
      const results = merge(local, daemonChecks(facts?.doctor));
      const count = (v: checks.Verdict) => results.filter((r) => r.verdict === v).length;
      const summary = {
        pass: count('PASS'),
        warn: count('WARN'),
        fail: count('FAIL'),
        skip: count('SKIP'),
      };
      const skipped = results.filter((r) => r.verdict === 'SKIP').map((r) => r.id);
      const ok = summary.fail === 0;
      if (opts.json) printJson({ ok, summary, skipped, checks: results });
      else {
        const width = Math.max(...results.map((r) => r.id.length));
        for (const r of results) {
          const verdict = paintVerdict(stdoutPaint(), r.verdict.padEnd(4));
          process.stdout.write(`${verdict}  ${r.id.padEnd(width)}  ${r.detail}\n`);
          if (r.fix) process.stdout.write(`      ${' '.repeat(width)}  fix: ${r.fix}\n`);
        }
        process.stdout.write(
          `\n${summary.pass} pass, ${summary.warn} warn, ${summary.fail} fail` +
            (summary.skip ? `, ${summary.skip} skipped (daemon not running)` : '') +
            '\n',
        );
        if (skipped.length > 0)
          process.stdout.write(
            `skipped because the daemon is not running: ${skipped.join(', ')} (start it: aistack daemon start)\n`,
          );
      }
      if (!ok) process.exitCode = 1;
    });
}
