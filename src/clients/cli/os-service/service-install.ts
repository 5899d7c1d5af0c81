/**
 * The install plan from the machine's real paths: node and aistackd resolved to the
 * files they are, the committed template rendered for the target, the directories to
 * create and the commands to run. Building it reads (templates, the installed file,
 * `id -u`) but changes nothing; the CLI prints it (--dry-run) or carries it out.
 */
import { readFileSync, realpathSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { ServiceHost } from './service-exec.js';
import { readIfExists } from './service-exec.js';
import { installCommands, type Cmd, type ServiceTarget } from './service-plan.js';
import {
  launchdPathEnv,
  renderLaunchdPlist,
  renderSystemUnit,
  renderUserUnit,
  ServiceError,
  templatePath,
} from './service-units.js';

export interface InstallRequest {
  target: ServiceTarget;
  /** --system: the user the instance runs as. */
  user?: string | undefined;
  /** Data dir and socket as the CLI resolves them (flag, env, config, default). */
  dataDir: string;
  socketPath: string;
  /** --data-dir was given: meaningless for --system, whose data is per instance. */
  dataDirGiven: boolean;
}

export interface InstallPlan {
  target: ServiceTarget;
  content: string;
  mode: number;
  /** Created (with parents) if missing. */
  dirs: { path: string; mode: number }[];
  commands: Cmd[];
  /** Things the user should know, printed after the plan. */
  notes: string[];
}

export function homeOf(host: ServiceHost): string {
  return host.env.HOME || homedir();
}

function realFile(path: string, what: string): string {
  try {
    return realpathSync(path);
  } catch {
    throw new ServiceError(`${what} not found at ${path}; run \`npm run build\` first`);
  }
}

/** Refuses a user that does not exist or is root by any name (uid 0). */
async function checkInstanceUser(host: ServiceHost, user: string): Promise<void> {
  const r = await host.run(['id', '-u', user]);
  if (r.code !== 0) throw new ServiceError(`no such user: ${user}`, true);
  if (user === 'root' || r.stdout.trim() === '0')
    throw new ServiceError(
      `refusing to run aistackd as root (${user}); pass --user with a normal user's name`,
      true,
    );
}

/** Writing /etc/systemd/system needs root; a redirected service dir (tests) does not. */
export function checkMayWrite(host: ServiceHost, target: ServiceTarget): void {
  if (target.kind === 'systemd-system' && !host.env.AISTACK_SERVICE_DIR && host.uid !== 0)
    throw new ServiceError('the system service needs root: run this command with sudo');
}

export async function planInstall(host: ServiceHost, req: InstallRequest): Promise<InstallPlan> {
  const { target, dataDir, socketPath } = req;
  const node = realFile(host.node, 'the node binary');
  const aistackd = realFile(host.aistackd, 'aistackd');
  const template = readFileSync(templatePath(target.kind), 'utf8');
  const dirs: InstallPlan['dirs'] = [];
  const notes: string[] = [];
  let content: string;
  if (target.kind === 'systemd-system') {
    const user = req.user;
    if (!user) throw new ServiceError('--system needs --user NAME: who the daemon runs as', true);
    if (req.dataDirGiven)
      throw new ServiceError(
        '--data-dir does not apply to --system: each instance keeps its data in /var/lib/aistack/<user>',
        true,
      );
    await checkInstanceUser(host, user);
    for (const p of [node, aistackd])
      if (p.startsWith('/root/')) notes.push(`${p} is under /root, which ${user} cannot read`);
    content = renderSystemUnit(template, { node, aistackd });
    notes.push(
      `${user}'s CLI reaches this daemon with AISTACK_SOCKET=/run/aistack/${user}/aistack.sock (or daemon.socketPath in their config)`,
    );
  } else if (target.kind === 'launchd') {
    const logDir = join(homeOf(host), 'Library', 'Logs', 'aistack');
    dirs.push({ path: logDir, mode: 0o700 });
    const pathEnv = launchdPathEnv(node);
    content = renderLaunchdPlist(template, {
      node,
      aistackd,
      dataDir,
      socketPath,
      logDir,
      pathEnv,
    });
  } else {
    // ReadWritePaths= fails the start if the data directory does not exist yet.
    dirs.push({ path: dataDir, mode: 0o700 });
    content = renderUserUnit(template, { node, aistackd, dataDir });
    const runtime = host.env.XDG_RUNTIME_DIR || '$XDG_RUNTIME_DIR';
    const served = join(runtime, 'aistack', 'aistack.sock');
    if (socketPath !== served)
      notes.push(
        `the service listens on ${served} but this CLI looks at ${socketPath}; unset AISTACK_SOCKET or daemon.socketPath`,
      );
    notes.push('to keep it running after you log out: loginctl enable-linger');
    if (host.uid === 0)
      notes.push('you are root: this user unit runs aistackd as root; prefer --system --user NAME');
  }
  const before = readIfExists(target.path);
  const commands = installCommands(target, before !== undefined && before !== content);
  return { target, content, mode: 0o644, dirs, commands, notes };
}
