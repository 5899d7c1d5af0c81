/**
 * What `aistack service install|uninstall|status` does, decided without doing it: which
 * kind of service file, where it goes, and the exact argv of every systemctl/launchctl
 * call. Pure, so `--dry-run` prints the same plan the real run executes and tests check
 * it on any platform.
 */
import { join } from 'node:path';
import {
  LAUNCHD_LABEL,
  ServiceError,
  SYSTEM_TEMPLATE,
  USER_UNIT,
  type ServiceKind,
} from './service-units.js';

export interface ServiceTarget {
  kind: ServiceKind;
  /** The unit or plist file. */
  path: string;
  /** What systemctl/launchctl calls the service: aistack.service, aistack@alice.service, gui/501/com.aistack.daemon. */
  unit: string;
  /** `systemctl --user`, `systemctl`, or `launchctl`. */
  tool: string[];
  /** launchd only: the domain the agent is bootstrapped into (gui/<uid>). */
  domain?: string;
}

export interface TargetInputs {
  platform: NodeJS.Platform;
  system: boolean;
  /** --system: the user the instance runs as (checked with validateUserName). */
  user?: string | undefined;
  uid: number;
  env: NodeJS.ProcessEnv;
  home: string;
}

export interface Cmd {
  argv: string[];
  /** Failure is expected and harmless (e.g. unloading an agent that is not loaded). */
  allowFailure?: boolean;
}

/** The directory a service file goes to; $AISTACK_SERVICE_DIR overrides it (tests, packaging). */
export function serviceDir(kind: ServiceKind, env: NodeJS.ProcessEnv, home: string): string {
  if (env.AISTACK_SERVICE_DIR) return env.AISTACK_SERVICE_DIR;
  if (kind === 'systemd-system') return '/etc/systemd/system';
  if (kind === 'launchd') return join(home, 'Library', 'LaunchAgents');
  return join(env.XDG_CONFIG_HOME || join(home, '.config'), 'systemd', 'user');
}

export function serviceKind(platform: NodeJS.Platform, system: boolean): ServiceKind {
  if (platform === 'linux') return system ? 'systemd-system' : 'systemd-user';
  if (platform === 'darwin') {
    if (system)
      throw new ServiceError(
        '--system is for Linux (systemd); on macOS the daemon runs as your launchd agent',
        true,
      );
    return 'launchd';
  }
  throw new ServiceError(
    `no service manager support on ${platform}; run \`aistack daemon start\` instead`,
  );
}

export function resolveTarget(o: TargetInputs): ServiceTarget {
  const kind = serviceKind(o.platform, o.system);
  const dir = serviceDir(kind, o.env, o.home);
  if (kind === 'launchd') {
    const domain = `gui/${o.uid}`;
    return {
      kind,
      path: join(dir, `${LAUNCHD_LABEL}.plist`),
      unit: `${domain}/${LAUNCHD_LABEL}`,
      tool: ['launchctl'],
      domain,
    };
  }
  if (kind === 'systemd-system') {
    return {
      kind,
      path: join(dir, SYSTEM_TEMPLATE),
      // Without a user (uninstall or status of every instance) it names them all.
      unit: o.user ? instanceUnit(o.user) : SYSTEM_TEMPLATE.replace('@', '@*'),
      tool: ['systemctl'],
    };
  }
  return { kind, path: join(dir, USER_UNIT), unit: USER_UNIT, tool: ['systemctl', '--user'] };
}

export function instanceUnit(user: string): string {
  return SYSTEM_TEMPLATE.replace('@', `@${user}`);
}

/**
 * The calls after the file is written. `replacing` (an older, different file was there):
 * `enable --now` leaves a running daemon on the old unit, so it is restarted as well.
 */
export function installCommands(t: ServiceTarget, replacing: boolean): Cmd[] {
  if (t.kind === 'launchd') {
    return [
      // bootstrap refuses a label that is already loaded; unloading first makes reinstall work.
      { argv: ['launchctl', 'bootout', t.unit], allowFailure: true },
      { argv: ['launchctl', 'bootstrap', t.domain!, t.path] },
    ];
  }
  const cmds: Cmd[] = [
    { argv: [...t.tool, 'daemon-reload'] },
    { argv: [...t.tool, 'enable', '--now', t.unit] },
  ];
  if (replacing) cmds.push({ argv: [...t.tool, 'try-restart', t.unit] });
  return cmds;
}

/**
 * Uninstall: `before` runs while the file still exists (disabling needs it), then the
 * file is removed, then `after`. `units`: the system instances to disable.
 */
export function uninstallCommands(
  t: ServiceTarget,
  units: string[] = [t.unit],
): { before: Cmd[]; after: Cmd[] } {
  if (t.kind === 'launchd')
    return { before: [{ argv: ['launchctl', 'bootout', t.unit], allowFailure: true }], after: [] };
  return {
    before: units.map((u) => ({ argv: [...t.tool, 'disable', '--now', u] })),
    after: [{ argv: [...t.tool, 'daemon-reload'] }],
  };
}

export function statusCommand(t: ServiceTarget): string[] {
  if (t.kind === 'launchd') return ['launchctl', 'print', t.unit];
  return [...t.tool, 'status', t.unit, '--no-pager'];
}

// POSIX portable user names, at most 32 characters; Samba's trailing `$` is left out
// because it cannot be part of a unit name.
const USER_NAME = /^[a-z_][a-z0-9_.-]{0,31}$/i;

/** Checks a user name before it becomes part of a unit name. */
export function validateUserName(name: string): string {
  if (!USER_NAME.test(name))
    throw new ServiceError(`not a valid user name: ${JSON.stringify(name)}`, true);
  return name;
}

/** Display form of an argv, quoted for a POSIX shell where needed (never executed). */
export function showCommand(argv: string[]): string {
  return argv
    .map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replaceAll("'", `'\\''`)}'`))
    .join(' ');
}
