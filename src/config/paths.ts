/**
 * Where things live. Each path is resolved in one documented order (DESIGN.md, wire
 * contract): command-line flag, then environment, then config file, then the XDG
 * default. Nothing here touches the file system.
 */
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

export interface PathInputs {
  flag?: string | undefined;
  env?: NodeJS.ProcessEnv;
  configValue?: string | undefined;
}

function home(env: NodeJS.ProcessEnv): string {
  return env.HOME || homedir();
}

function expandHome(p: string, env: NodeJS.ProcessEnv): string {
  return p === '~' || p.startsWith('~/') ? join(home(env), p.slice(1)) : p;
}

/** `--socket`, `$AISTACK_SOCKET`, config `daemon.socketPath`, `$XDG_RUNTIME_DIR/aistack/aistack.sock`, `~/.aistack/run/aistack.sock`. */
export function resolveSocketPath({ flag, env = process.env, configValue }: PathInputs): string {
  const chosen = flag || env.AISTACK_SOCKET || configValue;
  if (chosen) return resolve(expandHome(chosen, env));
  if (env.XDG_RUNTIME_DIR) return join(env.XDG_RUNTIME_DIR, 'aistack', 'aistack.sock');
  return join(home(env), '.aistack', 'run', 'aistack.sock');
}

/** `--data-dir`, `$AISTACK_DATA_DIR`, config `dataDir`, `$XDG_DATA_HOME/aistack`, `~/.local/share/aistack`. */
export function resolveDataDir({ flag, env = process.env, configValue }: PathInputs): string {
  const chosen = flag || env.AISTACK_DATA_DIR || configValue;
  if (chosen) return resolve(expandHome(chosen, env));
  const xdg = env.XDG_DATA_HOME || join(home(env), '.local', 'share');
  return join(xdg, 'aistack');
}

/** The daemon's socket path and data dir: from its flags, else the environment, else its config. */
export function daemonPaths(
  flags: { socket?: string | undefined; dataDir?: string | undefined },
  config: { daemon: { socketPath?: string | undefined }; dataDir?: string | undefined },
  env: NodeJS.ProcessEnv = process.env,
): { socketPath: string; dataDir: string } {
  return {
    socketPath: resolveSocketPath({
      flag: flags.socket,
      env,
      configValue: config.daemon.socketPath,
    }),
    dataDir: resolveDataDir({ flag: flags.dataDir, env, configValue: config.dataDir }),
  };
}

/** Config `plugins.dir` (`~` expanded), else `<dataDir>/plugins`. */
export function resolvePluginsDir(
  configValue: string | undefined,
  dataDir: string,
  env: NodeJS.ProcessEnv = process.env,
): string {
  return configValue ? resolve(expandHome(configValue, env)) : join(dataDir, 'plugins');
}

/** `--config`, `$AISTACK_CONFIG`, `$XDG_CONFIG_HOME/aistack/aistack.config.json` (`~/.config/…`). */
export function resolveConfigPath(
  flag: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
): {
  path: string;
  explicit: boolean;
} {
  const chosen = flag || env.AISTACK_CONFIG;
  if (chosen) return { path: resolve(expandHome(chosen, env)), explicit: true };
  const xdg = env.XDG_CONFIG_HOME || join(home(env), '.config');
  return { path: join(xdg, 'aistack', 'aistack.config.json'), explicit: false };
}
