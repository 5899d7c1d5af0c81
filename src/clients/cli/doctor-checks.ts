/**
 * The security checklist behind `aistack doctor`, as small functions that each look at
 * one thing and say PASS, WARN or FAIL with one line on how to fix it. They read files
 * with lstat (never following a symlink) and the daemon's own status; none changes
 * anything.
 */
import { existsSync, lstatSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { LoadedConfig } from '../../config/load.js';
import { insecureTransport, type InsecureTransport } from '../../config/transport-security.js';
import type { AuditVerifyResult } from '../../protocol/audit.js';
import { plural } from './human.js';

/** SKIP: the check needs the daemon, which is not running (local checks still run). */
export type Verdict = 'PASS' | 'WARN' | 'FAIL' | 'SKIP';

export interface Check {
  id: string;
  verdict: Verdict;
  detail: string;
  fix?: string;
}

const pass = (id: string, detail: string): Check => ({ id, verdict: 'PASS', detail });
const warn = (id: string, detail: string, fix: string): Check => ({
  id,
  verdict: 'WARN',
  detail,
  fix,
});
const fail = (id: string, detail: string, fix: string): Check => ({
  id,
  verdict: 'FAIL',
  detail,
  fix,
});
const skip = (id: string, detail = 'daemon not running'): Check => ({
  id,
  verdict: 'SKIP',
  detail,
});
const octal = (mode: number) => (mode & 0o777).toString(8).padStart(4, '0');

export function nodeVersion(version = process.versions.node): Check {
  const major = Number(version.split('.')[0]);
  return major >= 20
    ? pass('node', `Node.js ${version}`)
    : fail('node', `Node.js ${version} is older than 20`, 'install Node.js 20 or newer');
}

export function daemonVersion(
  cliVersion: string,
  daemon: { version: string } | undefined,
  socketPath: string,
): Check {
  if (!daemon)
    return fail('daemon', `no daemon answers at ${socketPath}`, 'start it: aistack daemon start');
  if (daemon.version !== cliVersion) {
    return warn(
      'daemon',
      `daemon ${daemon.version}, CLI ${cliVersion}`,
      'restart the daemon after upgrading: aistack daemon restart',
    );
  }
  return pass('daemon', `reachable, version ${daemon.version}`);
}

export function keysFromEnvironment(loaded: LoadedConfig | Error): Check {
  if (loaded instanceof Error)
    return fail(
      'config-keys',
      `config does not load: ${loaded.message.split('\n')[0]}`,
      'run aistack config check',
    );
  const literal = loaded.warnings.find((w) => w.code.startsWith('CONFIG_LITERAL_SECRET'));
  if (!literal)
    return pass('config-keys', 'no literal secrets in the config (keys come from the environment)');
  const fields = literal.fields.join(', ');
  const fix = `replace the value with "\${ENV_VAR}" and set the variable in the daemon's environment`;
  return literal.code === 'CONFIG_LITERAL_SECRET_READABLE'
    ? fail('config-keys', `literal secret in ${fields}, and the file is readable by others`, fix)
    : warn('config-keys', `literal secret in ${fields}`, fix);
}

/**
 * Keys and prompts on the wire: a provider on plain http through allowInsecureHttp, or
 * TLS certificate checks turned off. The running daemon's own report when it answers
 * (its environment is what counts); otherwise the config and this environment, which a
 * daemon started from here would inherit.
 */
export function transportSecurity(
  fromDaemon: InsecureTransport[] | undefined,
  loaded: LoadedConfig | Error,
  env: NodeJS.ProcessEnv = process.env,
): Check {
  let found = fromDaemon;
  if (!found) {
    if (loaded instanceof Error)
      return warn('transport', 'unknown (the config does not load)', 'run aistack config check');
    found = insecureTransport(loaded.config, env);
  }
  if (found.length > 0) {
    return fail(
      'transport',
      found.map((t) => t.message).join('; '),
      found.map((t) => t.fix).join('; '),
    );
  }
  return pass('transport', 'provider URLs are https or loopback; TLS certificates are checked');
}

export function configFileMode(file: string | undefined): Check {
  if (!file) return pass('config-mode', 'no config file (embedded defaults)');
  const st = lstatSync(file);
  if (st.isSymbolicLink())
    return warn('config-mode', `${file} is a symlink`, 'point --config at the real file');
  if (st.mode & 0o077)
    return warn('config-mode', `${file} is ${octal(st.mode)}`, `chmod 600 ${file}`);
  return pass('config-mode', `${file} is 0600`);
}

function privateDir(id: string, dir: string, what: string): Check | undefined {
  if (!existsSync(dir))
    return fail(id, `${what} ${dir} does not exist`, 'start the daemon once: aistack daemon start');
  const st = lstatSync(dir);
  if (st.isSymbolicLink()) return fail(id, `${what} ${dir} is a symlink`, 'use the real directory');
  if (process.getuid && st.uid !== process.getuid())
    return fail(id, `${what} ${dir} belongs to uid ${st.uid}`, `chown to yourself`);
  if (st.mode & 0o077) return fail(id, `${what} ${dir} is ${octal(st.mode)}`, `chmod 700 ${dir}`);
  return undefined;
}

export function dataDirModes(dataDir: string): Check {
  const bad = privateDir('data-files', dataDir, 'data dir');
  if (bad) return bad;
  const loose = ['aistack.db', 'aistack.db-wal', 'aistack.db-shm']
    .map((f) => join(dataDir, f))
    .filter((p) => existsSync(p) && lstatSync(p).mode & 0o077);
  if (loose.length > 0) {
    return fail(
      'data-files',
      `${loose.map((p) => `${p} is ${octal(lstatSync(p).mode)}`).join('; ')}`,
      `chmod 600 ${loose.join(' ')}`,
    );
  }
  return pass('data-files', `${dataDir} is 0700; database files are 0600`);
}

export function socketModes(socketPath: string, running = true): Check {
  const bad = existsSync(dirname(socketPath))
    ? privateDir('socket', dirname(socketPath), 'socket dir')
    : undefined;
  if (bad) return bad;
  if (!running && !existsSync(socketPath)) return skip('socket', 'no socket (daemon not running)');
  if (!existsSync(socketPath))
    return fail('socket', `no socket at ${socketPath}`, 'start the daemon: aistack daemon start');
  const st = lstatSync(socketPath);
  if (st.mode & 0o077)
    return fail(
      'socket',
      `${socketPath} is ${octal(st.mode)}`,
      'restart the daemon (it creates the socket 0600)',
    );
  return pass('socket', `${dirname(socketPath)} is 0700; socket is 0600`);
}

/** Features that widen what the daemon does: off, or on with a stated reason. */
export function unusedFeatures(
  features: { name: string; enabled: boolean; reason?: string | undefined }[],
): Check {
  const unexplained = features.filter((f) => f.enabled && !f.reason);
  if (unexplained.length > 0) {
    const names = unexplained.map((f) => f.name).join(', ');
    return warn(
      'features',
      `${names} on without a reason`,
      `turn ${names} off, or say why in its "reason" field`,
    );
  }
  const on = features.filter((f) => f.enabled).map((f) => `${f.name} (${f.reason})`);
  return pass(
    'features',
    on.length ? `on with a reason: ${on.join(', ')}` : 'optional features are off',
  );
}

/** Every plugin in the directory approved, its files still matching the approved hash, and running. */
export function pluginsReviewed(
  list:
    | { enabled: boolean; plugins: { name: string; state: string; reason: string | null }[] }
    | Error
    | undefined,
): Check {
  if (!list) return skip('plugins');
  if (list instanceof Error)
    return warn('plugins', `the daemon could not list them: ${list.message}`, 'see the daemon log');
  if (!list.enabled) return pass('plugins', 'plugins are off');
  const changed = list.plugins.filter((p) => p.state === 'changed');
  const other = list.plugins.filter((p) => p.state !== 'loaded' && p.state !== 'changed');
  const describe = (ps: typeof list.plugins) =>
    ps.map((p) => `${p.name}: ${p.state}${p.reason ? ` (${p.reason})` : ''}`).join('; ');
  if (changed.length > 0) {
    return fail(
      'plugins',
      `files changed since approval: ${describe(changed)}`,
      'review the changes, then aistack plugin approve NAME, or remove the plugin',
    );
  }
  if (other.length > 0) {
    return warn(
      'plugins',
      describe(other),
      'review and approve (aistack plugin approve NAME), reload, or remove each plugin',
    );
  }
  return pass(
    'plugins',
    list.plugins.length ? `all ${list.plugins.length} approved and loaded` : 'on, none installed',
  );
}

export function keyAges(
  keys: { provider: string; ageDays: number; rotationDue: boolean }[] | undefined,
  rotationDays: number,
): Check {
  if (!keys) return skip('key-age');
  if (keys.length === 0) return pass('key-age', 'no provider keys configured');
  const due = keys.filter((k) => k.rotationDue);
  if (due.length > 0) {
    return warn(
      'key-age',
      due.map((k) => `${k.provider} key is ${plural(k.ageDays, 'day')} old`).join('; ') +
        ` (period ${plural(rotationDays, 'day')})`,
      'create a new key, update the environment, restart or reload the daemon, then revoke the old key',
    );
  }
  return pass(
    'key-age',
    keys.map((k) => `${k.provider} ${k.ageDays}d`).join(', ') +
      ` (period ${plural(rotationDays, 'day')})`,
  );
}

export function backupAge(dataDir: string, maxAgeDays: number, now = Date.now()): Check {
  const dir = join(dataDir, 'backups');
  const newest = existsSync(dir)
    ? readdirSync(dir)
        .filter((f) => f.endsWith('.db'))
        .map((f) => lstatSync(join(dir, f)).mtimeMs)
        .sort((a, b) => b - a)[0]
    : undefined;
  const fix = 'make one now: aistack backup (and consider jobs.backup.enabled: true)';
  if (newest === undefined) return warn('backup', `no backup in ${dir}`, fix);
  const ageDays = (now - newest) / 86_400_000;
  if (ageDays > maxAgeDays)
    return warn(
      'backup',
      `newest backup is ${ageDays.toFixed(1)} days old (limit ${maxAgeDays})`,
      fix,
    );
  return pass(
    'backup',
    `newest backup is ${ageDays < 1 ? `${Math.round(ageDays * 24)} h` : `${ageDays.toFixed(1)} days`} old`,
  );
}

export function auditChain(result: AuditVerifyResult | Error | undefined): Check {
  if (!result) return skip('audit');
  if (result instanceof Error)
    return fail('audit', `could not verify the audit log: ${result.message}`, 'see the daemon log');
  if (!result.ok && result.lost) {
    return fail(
      'audit',
      `evidence lost: ${result.reason}`,
      'raise audit.keep (or audit.rotateSize) so the files hold audit.retentionDays of records, and find what flooded the log',
    );
  }
  if (!result.ok) {
    const at = result.file ? ` at ${result.file}${result.line ? `:${result.line}` : ''}` : '';
    return fail(
      'audit',
      `chain broken${at}: ${result.reason}`,
      'investigate: the audit log was edited or truncated',
    );
  }
  const notes = result.notes.length > 0 ? `; ${result.notes.join('; ')}` : '';
  return pass('audit', `chain verified (${plural(result.records, 'record')})${notes}`);
}

export function walHealth(database: { sizeBytes: number; walBytes: number } | undefined): Check {
  if (!database) return skip('wal');
  const mb = (b: number) => `${(b / 1048576).toFixed(1)} MB`;
  const detail = `database ${mb(database.sizeBytes)}, WAL ${mb(database.walBytes)}`;
  if (database.walBytes > 256 * 1048576)
    return warn(
      'wal',
      `${detail}: the WAL is large`,
      'check for long-running readers; restart the daemon',
    );
  return pass('wal', detail);
}
