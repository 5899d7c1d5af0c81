/**
 * Service files from their committed templates: systemd/aistack.service (user unit),
 * systemd/aistack@.service (system template, one instance per user) and
 * launchd/com.aistack.daemon.plist. The templates carry `@NAME@` placeholders; these
 * pure functions fill them with absolute paths, escaped for the file's syntax, and
 * refuse a path that syntax cannot carry safely. Reading templates and writing the
 * results is the installer's job (service-commands.ts).
 */
import { dirname, isAbsolute, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export type ServiceKind = 'systemd-user' | 'systemd-system' | 'launchd';

export const USER_UNIT = 'aistack.service';
export const SYSTEM_TEMPLATE = 'aistack@.service';
export const LAUNCHD_LABEL = 'com.aistack.daemon';

/** The package root: `../..` from both src/services and dist/services. */
export const PACKAGE_ROOT = fileURLToPath(new URL('../../../..', import.meta.url));

const TEMPLATE_FILES: Record<ServiceKind, string> = {
  'systemd-user': join('systemd', USER_UNIT),
  'systemd-system': join('systemd', SYSTEM_TEMPLATE),
  launchd: join('launchd', `${LAUNCHD_LABEL}.plist`),
};

export function templatePath(kind: ServiceKind, root = PACKAGE_ROOT): string {
  return join(root, TEMPLATE_FILES[kind]);
}

/** A service cannot be set up as asked; `usage` when the request itself is wrong. */
export class ServiceError extends Error {
  constructor(
    message: string,
    readonly usage = false,
  ) {
    super(message);
    this.name = 'ServiceError';
  }
}

export interface UnitPaths {
  /** The node binary (process.execPath). */
  node: string;
  /** dist/bin/aistackd.js. */
  aistackd: string;
  /** Where the daemon keeps its database; the user unit makes it writable. */
  dataDir: string;
}

export interface PlistPaths extends UnitPaths {
  socketPath: string;
  /** ~/Library/Logs/aistack. */
  logDir: string;
  /** PATH for the agent (see launchdPathEnv). */
  pathEnv: string;
}

/** Replaces every `@NAME@` in `template`; a placeholder without a value is an error. */
export function fillTemplate(template: string, values: Record<string, string>): string {
  return template.replace(/@([A-Z][A-Z_]*)@/g, (_match, name: string) => {
    const value = values[name];
    if (value === undefined) throw new ServiceError(`template placeholder @${name}@ has no value`);
    return value;
  });
}

function requireAbsolute(path: string, what: string): void {
  if (!isAbsolute(path)) throw new ServiceError(`${what} must be an absolute path, not ${path}`);
}

/** The first character of `text` that `bad` rejects, if any. */
function findChar(text: string, bad: (code: number) => boolean): string | undefined {
  for (const ch of text) if (bad(ch.codePointAt(0)!)) return ch;
  return undefined;
}

// `$` would be expanded as a variable in Exec lines but kept verbatim in ReadWritePaths,
// and quotes or backslashes would need context-specific escaping: such paths are refused
// rather than escaped one way and misread the other.
const unsafeInUnit = (c: number) =>
  c < 0x20 || c === 0x7f || `"'\\$`.includes(String.fromCharCode(c));

/** A path as one word of a unit file: `%` doubled (specifiers), quoted if it has spaces. */
export function systemdPath(path: string, what: string): string {
  requireAbsolute(path, what);
  if (findChar(path, unsafeInUnit) !== undefined) {
    throw new ServiceError(
      `cannot put ${what} ${JSON.stringify(path)} in a systemd unit: it contains a quote, backslash, "$" or control character; use a path without them`,
    );
  }
  const escaped = path.replaceAll('%', '%%');
  return /\s/.test(escaped) ? `"${escaped}"` : escaped;
}

// XML 1.0 allows tab, LF and CR but no other control characters, escaped or not.
const unsafeInXml = (c: number) =>
  (c < 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) || c === 0xfffe || c === 0xffff;

export function xmlEscape(text: string): string {
  if (findChar(text, unsafeInXml) !== undefined)
    throw new ServiceError(`cannot put ${JSON.stringify(text)} in a plist: control character`);
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&apos;');
}

function xmlPath(path: string, what: string): string {
  requireAbsolute(path, what);
  return xmlEscape(path);
}

/** The user unit (systemd/aistack.service) for these paths. */
export function renderUserUnit(template: string, paths: UnitPaths): string {
  return fillTemplate(template, {
    NODE: systemdPath(paths.node, 'the node binary'),
    AISTACKD: systemdPath(paths.aistackd, 'aistackd'),
    DATA_DIR: systemdPath(paths.dataDir, 'the data directory'),
  });
}

/** The system template (systemd/aistack@.service); its data dir is per instance, under /var/lib. */
export function renderSystemUnit(template: string, paths: Omit<UnitPaths, 'dataDir'>): string {
  return fillTemplate(template, {
    NODE: systemdPath(paths.node, 'the node binary'),
    AISTACKD: systemdPath(paths.aistackd, 'aistackd'),
  });
}

/** The launchd agent (launchd/com.aistack.daemon.plist) for these paths. */
export function renderLaunchdPlist(template: string, paths: PlistPaths): string {
  return fillTemplate(template, {
    NODE: xmlPath(paths.node, 'the node binary'),
    AISTACKD: xmlPath(paths.aistackd, 'aistackd'),
    DATA_DIR: xmlPath(paths.dataDir, 'the data directory'),
    SOCKET: xmlPath(paths.socketPath, 'the socket path'),
    LOG_DIR: xmlPath(paths.logDir, 'the log directory'),
    PATH: xmlEscape(paths.pathEnv),
  });
}

/**
 * PATH for the launchd agent, which otherwise gets only /usr/bin:/bin:/usr/sbin:/sbin:
 * node's own directory first (so tools it spawns find the same node), then Homebrew's
 * and the system's.
 */
export function launchdPathEnv(node: string): string {
  const dirs = [dirname(node), '/opt/homebrew/bin', '/usr/local/bin', '/usr/bin', '/bin'];
  return [...new Set([...dirs, '/usr/sbin', '/sbin'])].join(':');
}
