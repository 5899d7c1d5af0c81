/**
 * The `aistack` command line: one program, a subcommand per domain, global options for
 * reaching the daemon, `--json` everywhere for scripts.
 */
import { Command, CommanderError } from 'commander';
import { VERSION } from '../../core/version.js';
import { CliError, EXIT, reportFailure } from './context.js';
import { agentCommands } from './agent-commands.js';
import { auditCommands } from './audit-commands.js';
import { backupCommands } from './backup-commands.js';
import { completionCommand } from './completion.js';
import { configCommands } from './config-commands.js';
import { daemonCommands } from './daemon-commands.js';
import { doctorCommand } from './doctor-command.js';
import { githubCommands } from './github-commands.js';
import { httpCommands } from './http-commands.js';
import { dashboardCommand } from './dashboard-command.js';
import { jobsCommands } from './jobs-commands.js';
import { mcpCommand } from './mcp-command.js';
import { memoryCommands } from './memory-commands.js';
import { pluginCommands } from './plugin-commands.js';
import { projectCommands } from './project-commands.js';
import { providerCommands } from './provider-commands.js';
import { tokenCommands } from './token-commands.js';
import { serviceCommands } from './service-commands.js';
import { sessionCommands } from './session-commands.js';
import { taskCommands } from './task-commands.js';
import { positive } from './option-values.js';

export function buildProgram(output: { json?: boolean } = {}): Command {
  const program = new Command('aistack')
    .description(
      'Local memory and agents for AI tools, served by one daemon (aistackd) on a private Unix socket.',
    )
    .version(VERSION)
    .option(
      '--socket <path>',
      'daemon socket (default: $AISTACK_SOCKET, config, $XDG_RUNTIME_DIR/aistack/aistack.sock)',
    )
    .option('--data-dir <dir>', 'data directory, used when this command starts the daemon')
    .option(
      '--config <file>',
      'config file (default: $AISTACK_CONFIG, $XDG_CONFIG_HOME/aistack/aistack.config.json)',
    )
    .option('--json', 'print machine-readable JSON')
    .option('--no-autostart', 'fail instead of starting the daemon when it is not running')
    .option('--timeout <seconds>', 'give up on a request after this many seconds', positive)
    .showHelpAfterError(output.json ? false : '(run with --help for usage)')
    .showSuggestionAfterError(true)
    .exitOverride();

  for (const cmd of [
    ...daemonCommands(),
    memoryCommands(),
    sessionCommands(),
    projectCommands(),
    agentCommands(),
    taskCommands(),
    auditCommands(),
    jobsCommands(),
    ...backupCommands(),
    providerCommands(),
    tokenCommands(),
    githubCommands(),
    pluginCommands(),
    mcpCommand(),
    ...httpCommands(),
    dashboardCommand(),
    configCommands(),
    serviceCommands(),
    doctorCommand(),
    completionCommand(() => program),
  ])
    program.addCommand(cmd);
  const override = (cmd: Command): void => {
    cmd.exitOverride();
    // Commander's own messages (usage errors, help shown for a missing subcommand) are
    // kept for main() to report once, as `aistack: …` or, with --json, as JSON.
    cmd.configureOutput({ writeErr: (text) => (usageText += text) });
    if (output.json) cmd.showHelpAfterError(false);
    cmd.commands.forEach(override);
  };
  override(program);
  return program;
}

let usageText = '';

export async function main(argv: string[]): Promise<number> {
  const json = argv.slice(2).includes('--json');
  const program = buildProgram({ json });
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.exitCode === 0) return 0;
      // A command group run without its subcommand: commander printed the group's help.
      if (err.code === 'commander.help' && !json) {
        process.stderr.write(usageText);
        return EXIT.USAGE;
      }
      const text = usageText.trim() || err.message;
      const message =
        err.code === 'commander.help' ? 'missing command' : text.replace(/^error: /, '');
      return reportFailure(new CliError(message, EXIT.USAGE), json);
    }
    return reportFailure(err, json);
  }
}
