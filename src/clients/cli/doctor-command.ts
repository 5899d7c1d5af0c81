/**
 * `aistack doctor`: the security checklist, automated. Each check prints PASS, WARN or
 * FAIL with one line on how to fix it; `--json` for scripts; the exit code is 1 when
 * anything FAILs. It never starts the daemon: an unreachable daemon is itself a finding,
 * the checks that need it say SKIP, and the local ones (files, config, backups) still run.
 */
import { Command } from 'commander';
import { loadConfig, type LoadedConfig } from '../../config/load.js';
import { VERSION } from '../../core/version.js';
import type { AistackClient } from '../client.js';
import { connectIfRunning, globals, resolvePaths, type GlobalOptions } from './context.js';
import * as checks from './doctor-checks.js';
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
    return { status, audit, plugins };
  } finally {
    client.close();
  }
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
      const results: checks.Check[] = [
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
        checks.notRoot(status ? status.uid : undefined),
        checks.walHealth(status?.database),
      ];
      const ok = !results.some((r) => r.verdict === 'FAIL');
      if (opts.json) printJson({ ok, checks: results });
      else {
        const width = Math.max(...results.map((r) => r.id.length));
        for (const r of results) {
          const verdict = paintVerdict(stdoutPaint(), r.verdict.padEnd(4));
          process.stdout.write(`${verdict}  ${r.id.padEnd(width)}  ${r.detail}\n`);
          if (r.fix) process.stdout.write(`      ${' '.repeat(width)}  fix: ${r.fix}\n`);
        }
        const counts = (v: checks.Verdict) => results.filter((r) => r.verdict === v).length;
        process.stdout.write(
          `\n${counts('PASS')} pass, ${counts('WARN')} warn, ${counts('FAIL')} fail` +
            (counts('SKIP') ? `, ${counts('SKIP')} skipped (daemon not running)` : '') +
            '\n',
        );
      }
      if (!ok) process.exitCode = 1;
    });
}
