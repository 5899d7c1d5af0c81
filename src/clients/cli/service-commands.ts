/**
 * `aistack service install|uninstall|status`: run aistackd under the platform's service
 * manager — a systemd user unit (Linux default), one systemd system instance per user
 * (`--system --user NAME`), or a launchd agent (macOS). The plan comes from
 * services/service-install.ts and service-plan.ts, so `--dry-run` shows exactly what a
 * real run does.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { Command } from 'commander';
import { DAEMON_ENTRY } from '../autostart.js';
import {
  commandRunner,
  enabledInstances,
  removeServiceFile,
  writeServiceFile,
  type ServiceHost,
} from './os-service/service-exec.js';
import { checkMayWrite, homeOf, planInstall } from './os-service/service-install.js';
import {
  resolveTarget,
  showCommand,
  statusCommand,
  uninstallCommands,
  validateUserName,
  type Cmd,
  type ServiceTarget,
} from './os-service/service-plan.js';
import { ServiceError } from './os-service/service-units.js';
import { CliError, EXIT, globals, resolvePaths, say } from './context.js';
import { printJson } from './output.js';

export function processHost(): ServiceHost {
  return {
    env: process.env,
    platform: process.platform,
    uid: process.getuid?.() ?? -1,
    node: process.execPath,
    aistackd: DAEMON_ENTRY,
    run: commandRunner(process.env),
  };
}

interface ServiceOptions {
  system?: boolean;
  user?: string;
  dryRun?: boolean;
}

const octal = (mode: number) => '0' + mode.toString(8);
const out = (line: string) => process.stdout.write(line + '\n');

function target(host: ServiceHost, o: ServiceOptions): ServiceTarget {
  if (o.user !== undefined && !o.system)
    throw new ServiceError('--user only applies with --system', true);
  return resolveTarget({
    platform: host.platform,
    system: Boolean(o.system),
    user: o.user === undefined ? undefined : validateUserName(o.user),
    uid: host.uid,
    env: host.env,
    home: homeOf(host),
  });
}

async function runAll(host: ServiceHost, cmds: Cmd[], json: boolean): Promise<void> {
  for (const c of cmds) {
    if (!json) say(`running: ${showCommand(c.argv)}`);
    const r = await host.run(c.argv);
    // Tool chatter ("Created symlink …") goes to stderr, keeping stdout for --json.
    process.stderr.write(r.stdout + r.stderr);
    if (r.code !== 0 && !c.allowFailure) {
      const why = r.stderr.trim() ? `: ${r.stderr.trim()}` : '';
      throw new ServiceError(`\`${showCommand(c.argv)}\` failed (exit ${r.code})${why}`);
    }
  }
}

async function install(host: ServiceHost, o: ServiceOptions, cmd: Command): Promise<void> {
  const g = globals(cmd);
  const t = target(host, o);
  const plan = await planInstall(host, {
    target: t,
    user: o.user,
    ...resolvePaths(g),
    dataDirGiven: Boolean(g.dataDir),
  });
  const { content, dirs, notes } = plan;
  const summary = {
    kind: t.kind,
    unit: t.unit,
    path: t.path,
    mode: octal(plan.mode),
    content,
    directories: dirs.map((d) => ({ path: d.path, mode: octal(d.mode) })),
    commands: plan.commands.map((c) => c.argv),
    notes,
  };
  if (o.dryRun) {
    if (g.json) return printJson({ dryRun: true, ...summary });
    out('# dry run: nothing is written and nothing is run');
    for (const d of dirs) out(`# would create directory ${d.path} (mode ${octal(d.mode)})`);
    out(`# would write ${t.path} (mode ${octal(plan.mode)}):`);
    process.stdout.write(content.endsWith('\n') ? content : content + '\n');
    out('# would run:');
    for (const c of plan.commands)
      out(showCommand(c.argv) + (c.allowFailure ? '   # failure ignored' : ''));
    notes.forEach((n) => say(n));
    return;
  }
  checkMayWrite(host, t);
  for (const d of dirs) mkdirSync(d.path, { recursive: true, mode: d.mode });
  writeServiceFile(t.path, content, plan.mode);
  if (!g.json) say(`wrote ${t.path}`);
  await runAll(host, plan.commands, Boolean(g.json));
  if (g.json) return printJson({ installed: true, ...summary });
  say(`installed ${t.unit}; check it with \`aistack service status\``);
  notes.forEach((n) => say(n));
}

async function uninstall(host: ServiceHost, o: ServiceOptions, cmd: Command): Promise<void> {
  const g = globals(cmd);
  const t = target(host, o);
  const present = existsSync(t.path);
  let units = [t.unit];
  let keeps: string[] = [];
  if (t.kind === 'systemd-system') {
    // Every enabled instance, or only --user's; the template stays while others use it.
    const enabled = enabledInstances(dirname(t.path));
    if (!o.user) units = enabled;
    keeps = enabled.filter((u) => !units.includes(u));
  }
  const { before, after } = uninstallCommands(t, units);
  const removes = present && keeps.length === 0;
  const commands = [...before, ...after].map((c) => c.argv);
  const summary = { path: t.path, removes, keeps, commands };
  if (!present) {
    if (g.json) return printJson({ uninstalled: false, ...summary, commands: [] });
    return say(`not installed (no ${t.path})`);
  }
  if (o.dryRun) {
    if (g.json) return printJson({ dryRun: true, ...summary });
    for (const c of before) out(showCommand(c.argv));
    if (removes) out(showCommand(['rm', t.path]));
    for (const c of after) out(showCommand(c.argv));
    if (keeps.length) say(`would keep ${t.path}: still used by ${keeps.join(', ')}`);
    return;
  }
  checkMayWrite(host, t);
  await runAll(host, before, Boolean(g.json));
  if (removes) removeServiceFile(t.path);
  await runAll(host, after, Boolean(g.json));
  if (g.json) return printJson({ uninstalled: true, ...summary });
  if (keeps.length) say(`kept ${t.path}: still used by ${keeps.join(', ')}`);
  say(removes ? `removed ${t.path}` : `disabled ${units.join(', ')}`);
}

async function status(host: ServiceHost, o: ServiceOptions, cmd: Command): Promise<void> {
  const g = globals(cmd);
  const t = target(host, o);
  const r = await host.run(statusCommand(t));
  if (r.code === 127 || r.code === 124) throw new ServiceError(r.stderr.trim());
  if (g.json) {
    printJson({
      unit: t.unit,
      path: t.path,
      running: r.code === 0,
      exitCode: r.code,
      output: r.stdout,
    });
  } else {
    process.stdout.write(r.stdout);
    process.stderr.write(r.stderr);
  }
  // systemctl status exits 3 for "inactive" and 4 for "no such unit"; launchctl print 113.
  if (r.code !== 0) process.exitCode = EXIT.NOT_RUNNING;
}

/** Runs an action, turning a ServiceError into the CLI's error with the right exit code. */
function action(host: ServiceHost, fn: typeof install) {
  return async (o: ServiceOptions, cmd: Command) => {
    try {
      await fn(host, o, cmd);
    } catch (err) {
      if (!(err instanceof ServiceError)) throw err;
      throw new CliError(err.message, err.usage ? EXIT.USAGE : EXIT.FAILURE);
    }
  };
}

const ENV_HELP = `
Environment:
  AISTACK_SERVICE_DIR  write the unit or plist to this directory instead of the service
                       manager's (for tests and packaging); systemctl and launchctl are
                       still run, found through PATH
`;

export function serviceCommands(host: ServiceHost = processHost()): Command {
  const service = new Command('service')
    .description('Run aistackd as a systemd (Linux) or launchd (macOS) service.')
    .addHelpText('after', ENV_HELP);
  const system = 'Linux: the system unit aistack@.service, one instance per user (needs root)';
  service
    .command('install')
    .description(
      'Write the service file for this node and aistackd, then enable and start the service (a systemd user unit by default).',
    )
    .option('--system', system)
    .option('--user <name>', 'with --system: the user the daemon runs as (never root)')
    .option('--dry-run', 'print the file and the commands; change nothing')
    .addHelpText('after', ENV_HELP)
    .action(action(host, install));
  service
    .command('uninstall')
    .description('Stop and disable the service and remove its file.')
    .option('--system', `${system}; every enabled instance unless --user`)
    .option('--user <name>', "with --system: only this user's instance")
    .option('--dry-run', 'print the commands; change nothing')
    .action(action(host, uninstall));
  service
    .command('status')
    .description('Show what the service manager says about the service (exit 3 if not running).')
    .option('--system', system)
    .option('--user <name>', "with --system: this user's instance")
    .action(action(host, status));
  return service;
}
