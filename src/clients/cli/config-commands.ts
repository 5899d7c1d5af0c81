/**
 * `aistack config check|show|reload`. Check and show read the file locally (no daemon
 * needed); reload asks the running daemon to re-read it.
 */
import { Command } from 'commander';
import { ConfigError, loadConfig } from '../../config/load.js';
import { Redactor } from '../../config/secrets.js';
import { insecureTransport } from '../../config/transport-security.js';
import { CliError, globals, withClient } from './context.js';
import { paintVerdict, stdoutPaint } from './colour.js';
import { printJson } from './output.js';

export function configCommands(): Command {
  const config = new Command('config').description('Validate, show and reload the configuration.');
  config
    .command('check')
    .description(
      'Validate the config file (exit 1 with each bad field named) and warn about exposed secrets.',
    )
    .action((_o, cmd: Command) => {
      const opts = globals(cmd);
      try {
        const loaded = loadConfig({ flag: opts.config });
        // The config's own exposures (allowInsecureHttp), not this shell's environment.
        const warnings = [
          ...loaded.warnings.map((w) => w.message),
          ...insecureTransport(loaded.config, {}).map((t) => `${t.message}; fix: ${t.fix}`),
        ];
        if (opts.json) {
          printJson({ ok: true, file: loaded.file ?? null, warnings });
        } else {
          process.stdout.write(
            `${paintVerdict(stdoutPaint(), 'OK')}: ${loaded.file ?? 'no config file; using embedded defaults'}\n`,
          );
          for (const w of warnings) process.stdout.write(`WARN: ${w}\n`);
        }
      } catch (err) {
        if (!(err instanceof ConfigError)) throw err;
        if (opts.json)
          printJson({ ok: false, file: err.file ?? null, error: err.message, issues: err.issues });
        else process.stderr.write(`INVALID: ${err.message}\n`);
        process.exitCode = 1;
      }
    });
  config
    .command('show')
    .description(
      'Print the effective configuration (defaults filled in, ${VAR}s resolved, secrets masked).',
    )
    .action((_o, cmd: Command) => {
      const opts = globals(cmd);
      let loaded;
      try {
        loaded = loadConfig({ flag: opts.config });
      } catch (err) {
        throw new CliError((err as Error).message);
      }
      const redactor = new Redactor();
      loaded.secrets.forEach((s) => redactor.addSecret(s));
      const shown = redactor.scrub(loaded.config);
      if (opts.json) printJson({ file: loaded.file ?? null, config: shown });
      else {
        process.stdout.write(`# ${loaded.file ?? 'embedded defaults (no config file)'}\n`);
        process.stdout.write(JSON.stringify(shown, null, 2) + '\n');
      }
    });
  config
    .command('reload')
    .description(
      'Ask the running daemon to re-read its config (same as SIGHUP) and list what changed.',
    )
    .action((_o, cmd: Command) =>
      withClient(cmd, async (client, opts) => {
        const result = await client.call('config.reload');
        if (opts.json) return printJson(result);
        if (result.changed.length === 0) process.stdout.write('config reloaded: nothing changed\n');
        for (const c of result.changed) {
          const note = c.appliedLive ? '' : '  (restart the daemon to apply)';
          process.stdout.write(
            `${c.path}: ${JSON.stringify(c.from)} → ${JSON.stringify(c.to)}${note}\n`,
          );
        }
      }),
    );
  return config;
}
