/**
 * The `aistack` command line: one program, a subcommand per domain, global options for
 * reaching the daemon, `--json` everywhere for scripts.
 */
import { Command, CommanderError } from 'commander';
import { VERSION } from '../../core/version.js';
import { reportFailure } from './context.js';
import { agentCommands } from './agent-commands.js';
import { auditCommands } from './audit-commands.js';
import { backupCommands } from './backup-commands.js';
import { configCommands } from './config-commands.js';
import { daemonCommands } from './daemon-commands.js';
import { doctorCommand } from './doctor-command.js';
import { githubCommands } from './github-commands.js';
import { httpCommands } from './http-commands.js';
import { jobsCommands } from './jobs-commands.js';
import { mcpCommand } from './mcp-command.js';
import { memoryCommands } from './memory-commands.js';
import { pluginCommands } from './plugin-commands.js';
import { providerCommands } from './provider-commands.js';
import { tokenCommands } from './token-commands.js';
import { serviceCommands } from './service-commands.js';
import { sessionCommands } from './session-commands.js';
import { taskCommands } from './task-commands.js';

export function buildProgram(): Command {
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
    .option('--timeout <seconds>', 'give up on a request after this many seconds')
    .showHelpAfterError('(run with --help for usage)')
    .showSuggestionAfterError(true)
    .exitOverride();
  for (const cmd of [
    ...daemonCommands(),
    memoryCommands(),
    sessionCommands(),
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
    configCommands(),
    serviceCommands(),
    doctorCommand(),
  ])
    program.addCommand(cmd);
  const override = (cmd: Command): void => {
    cmd.exitOverride();
    cmd.commands.forEach(override);
  };
  override(program);
  return program;
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 2;
    return reportFailure(err);
  }
}
