/**
 * Service files and `aistack service`: rendered units parse and carry every hardening
 * setting, systemd-analyze accepts them, the plist is a valid property list, and the CLI
 * writes what --dry-run shows and calls systemctl as promised (a stand-in systemctl on
 * PATH records its arguments). CLI tests run dist/, so they need `npm run build`.
 */
import { spawn, spawnSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  readFileSync,
  realpathSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { enabledInstances } from '../../src/clients/cli/os-service/service-exec.js';
import { checkMayWrite, planInstall } from '../../src/clients/cli/os-service/service-install.js';
import {
  installCommands,
  resolveTarget,
  validateUserName,
} from '../../src/clients/cli/os-service/service-plan.js';
import {
  fillTemplate,
  launchdPathEnv,
  renderLaunchdPlist,
  renderSystemUnit,
  renderUserUnit,
  systemdPath,
  templatePath,
  type ServiceKind,
} from '../../src/clients/cli/os-service/service-units.js';
import { AISTACK, cleanupAll, ROOT, tempDir, type CliResult } from '../helpers/daemon.js';

afterEach(cleanupAll);

const NODE = realpathSync(process.execPath);
const ANALYZE = '/usr/bin/systemd-analyze';
const DIST_AISTACKD = join(ROOT, 'dist', 'bin', 'aistackd.js');
/** An aistackd that exists without a build, for in-process plans. */
const DIST_AISTACKD_SRC = join(ROOT, 'src', 'bin', 'aistackd.ts');
const template = (kind: ServiceKind) => readFileSync(templatePath(kind), 'utf8');
const mode = (p: string) => statSync(p).mode & 0o777;

type Unit = Map<string, [string, string][]>;

/** Strict INI reading of a unit: every line is blank, a comment, a [Section] or Key=value. */
function parseUnit(text: string): Unit {
  const sections: Unit = new Map();
  let current: [string, string][] | undefined;
  text.split('\n').forEach((raw, n) => {
    const line = raw.trim();
    if (!line || line.startsWith('#') || line.startsWith(';')) return;
    const section = /^\[([A-Za-z]+)\]$/.exec(line);
    if (section) {
      if (sections.has(section[1]!)) throw new Error(`section [${section[1]}] twice`);
      sections.set(section[1]!, (current = []));
      return;
    }
    const kv = /^([A-Za-z][A-Za-z0-9]*)=(.*)$/.exec(line);
    if (!kv || !current || line.endsWith('\\'))
      throw new Error(`line ${n + 1} is not a section or Key=value: ${raw}`);
    current.push([kv[1]!, kv[2]!]);
  });
  return sections;
}

const values = (u: Unit, key: string) =>
  [...u.values()].flat().flatMap(([k, v]) => (k === key ? [v] : []));

/** `%%` → `%`; the specifiers the units use stay; any other `%` is an escaping bug. */
const unescape = (word: string) =>
  word.replace(/%(.)/g, (_m, c: string) => {
    if (c === '%') return '%';
    if ('tSih'.includes(c)) return `%${c}`;
    throw new Error(`stray specifier %${c} in ${word}`);
  });

/** Splits a systemd command line into words ("quoted" words keep their spaces). */
const words = (line: string) =>
  [...line.matchAll(/"([^"]*)"|(\S+)/g)].map((m) => unescape(m[1] ?? m[2]!));

const HARDENING: Record<string, string> = {
  Type: 'simple',
  ExecReload: '/bin/kill -HUP $MAINPID',
  Restart: 'on-failure',
  RestartSec: '5',
  UMask: '0077',
  KillSignal: 'SIGTERM',
  TimeoutStopSec: '30',
  NoNewPrivileges: 'yes',
  ProtectSystem: 'strict',
  ProtectHome: 'read-only',
  PrivateTmp: 'yes',
  RestrictAddressFamilies: 'AF_UNIX AF_INET AF_INET6',
  LockPersonality: 'yes',
  RestrictNamespaces: 'yes',
  RestrictRealtime: 'yes',
  SystemCallArchitectures: 'native',
  ProtectKernelTunables: 'yes',
  ProtectKernelModules: 'yes',
  ProtectControlGroups: 'yes',
};

function expectHardened(u: Unit): void {
  expect([...u.keys()]).toEqual(['Unit', 'Service', 'Install']);
  for (const [key, value] of Object.entries(HARDENING))
    expect(values(u, key), key).toEqual([value]);
  // V8's JIT needs writable+executable memory: this setting would stop node.
  expect(values(u, 'MemoryDenyWriteExecute')).toEqual([]);
}

type PlistValue = string | number | boolean | PlistValue[] | { [key: string]: PlistValue };
type Token = { kind: 'open' | 'close' | 'empty'; name: string } | { kind: 'text'; text: string };

const PLIST_HEAD =
  '<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">\n';

/** A strict reader for the plist subset launchd files use (no attributes but plist's version). */
function parsePlist(xml: string): PlistValue {
  if (!xml.startsWith(PLIST_HEAD)) throw new Error('missing XML declaration or plist DOCTYPE');
  const decode = (s: string) =>
    s.replace(/&(amp|lt|gt|quot|apos);|&/g, (m, e: string | undefined) => {
      if (!e) throw new Error('bare & in text');
      return { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" }[e as 'amp'];
    });
  const tokens: Token[] = [];
  const re = /<!--([\s\S]*?)-->|<(\/?)([a-z]+)((?: version="1\.0")?)(\/?)>|([^<]+)/y;
  re.lastIndex = PLIST_HEAD.length;
  while (re.lastIndex < xml.length) {
    const at = re.lastIndex;
    const m = re.exec(xml);
    if (!m) throw new Error(`not well-formed at ${xml.slice(at, at + 40)}`);
    if (m[1] !== undefined && m[1].includes('--')) throw new Error('"--" inside a comment');
    if (m[1] !== undefined) continue;
    if (m[6] !== undefined) tokens.push({ kind: 'text', text: decode(m[6]) });
    else if (m[4] && m[3] !== 'plist') throw new Error(`attribute on <${m[3]}>`);
    else tokens.push({ kind: m[2] ? 'close' : m[5] ? 'empty' : 'open', name: m[3]! });
  }
  let i = 0;
  const skipSpace = () => {
    for (let t = tokens[i]; t?.kind === 'text' && !t.text.trim(); t = tokens[++i]);
  };
  const at = (kind: string, name: string) => {
    const t = tokens[i];
    return t !== undefined && t.kind === kind && 'name' in t && t.name === name;
  };
  const expectTag = (kind: string, name: string) => {
    skipSpace();
    if (!at(kind, name))
      throw new Error(`expected ${kind} <${name}>, got ${JSON.stringify(tokens[i])}`);
    i++;
  };
  const textOf = (name: string) => {
    let text = '';
    for (let t = tokens[i]; t?.kind === 'text'; t = tokens[++i]) text += t.text;
    expectTag('close', name);
    return text;
  };
  const value = (): PlistValue => {
    skipSpace();
    const t = tokens[i++];
    if (t?.kind === 'empty' && (t.name === 'true' || t.name === 'false')) return t.name === 'true';
    if (t?.kind !== 'open') throw new Error(`expected a value, got ${JSON.stringify(t)}`);
    if (t.name === 'string') return textOf('string');
    if (t.name === 'integer') {
      const text = textOf('integer');
      if (!/^-?\d+$/.test(text)) throw new Error(`bad integer ${text}`);
      return Number(text);
    }
    if (t.name === 'array') {
      const out: PlistValue[] = [];
      for (skipSpace(); !at('close', 'array'); skipSpace()) out.push(value());
      i++;
      return out;
    }
    if (t.name === 'dict') {
      const out: Record<string, PlistValue> = {};
      for (skipSpace(); !at('close', 'dict'); skipSpace()) {
        expectTag('open', 'key');
        const key = textOf('key');
        if (key in out) throw new Error(`key ${key} twice`);
        out[key] = value();
      }
      i++;
      return out;
    }
    throw new Error(`unsupported element <${t.name}>`);
  };
  expectTag('open', 'plist');
  const root = value();
  expectTag('close', 'plist');
  skipSpace();
  if (i !== tokens.length) throw new Error('content after </plist>');
  return root;
}

function systemdVerify(file: string, user: boolean): string {
  const runtime = tempDir('aistack-rt-');
  chmodSync(runtime, 0o700);
  const r = spawnSync(ANALYZE, [...(user ? ['--user'] : []), 'verify', file], {
    encoding: 'utf8',
    timeout: 30_000,
    env: { ...process.env, XDG_RUNTIME_DIR: runtime },
  });
  return `exit ${r.status}\n${r.stdout}${r.stderr}`.trim();
}

describe('service templates and rendering', () => {
  it('the committed templates carry placeholders and nothing else to fill', () => {
    expect(template('systemd-user')).toContain('ExecStart=@NODE@ @AISTACKD@');
    expect(template('systemd-system')).toContain('ExecStart=@NODE@ @AISTACKD@');
    expect(template('launchd')).toContain('<string>@NODE@</string>');
    expect(() => fillTemplate('x=@NODE@ @MISSING@', { NODE: '/n' })).toThrow(/@MISSING@/);
    const paths = { node: '/usr/bin/node', aistackd: '/opt/a/aistackd.js', dataDir: '/d' };
    expect(renderUserUnit(template('systemd-user'), paths)).not.toMatch(/@[A-Z_]+@/);
    expect(renderSystemUnit(template('systemd-system'), paths)).not.toMatch(/@[A-Z_]+@/);
  });

  it('the user unit is hardened, runs node on aistackd, and makes only its dirs writable', () => {
    const dataDir = '/home/a b/.local/share/aistack 100%';
    const text = renderUserUnit(template('systemd-user'), {
      node: NODE,
      aistackd: DIST_AISTACKD,
      dataDir,
    });
    const u = parseUnit(text);
    expectHardened(u);
    expect(values(u, 'PrivateUsers')).toEqual(['yes']);
    expect(words(values(u, 'ExecStart')[0]!)).toEqual([
      NODE,
      DIST_AISTACKD,
      '--socket',
      '%t/aistack/aistack.sock',
      '--data-dir',
      dataDir,
    ]);
    expect(words(values(u, 'ReadWritePaths')[0]!)).toEqual([dataDir, '%t/aistack']);
    expect(values(u, 'WantedBy')).toEqual(['default.target']);
  });

  it('the system template runs as its instance user with data and socket outside home', () => {
    const u = parseUnit(
      renderSystemUnit(template('systemd-system'), { node: NODE, aistackd: DIST_AISTACKD }),
    );
    expectHardened(u);
    expect(values(u, 'User')).toEqual(['%i']);
    expect(values(u, 'CapabilityBoundingSet')).toEqual(['']);
    expect(values(u, 'StateDirectory')).toEqual(['aistack/%i']);
    expect(words(values(u, 'ExecStart')[0]!)).toEqual([
      NODE,
      DIST_AISTACKD,
      '--socket',
      '%t/aistack/%i/aistack.sock',
      '--data-dir',
      '%S/aistack/%i',
    ]);
    expect(values(u, 'ExecStartPre')[0]).toMatch(/refusing to run as root/);
    expect(values(u, 'WantedBy')).toEqual(['multi-user.target']);
  });

  it('refuses paths systemd would misread instead of escaping them wrongly', () => {
    expect(systemdPath('/a b/c', 'x')).toBe('"/a b/c"');
    expect(systemdPath('/a%b', 'x')).toBe('/a%%b');
    for (const bad of ['/a$HOME', '/a"b', "/a'b", '/a\\b', '/a\nb'])
      expect(() => systemdPath(bad, 'the data directory'), bad).toThrow(
        /cannot put the data directory/,
      );
    expect(() => systemdPath('relative/path', 'x')).toThrow(/absolute/);
  });

  it('systemd-analyze verify accepts both rendered units', () => {
    const dir = join(tempDir(), 'with space');
    mkdirSync(join(dir, 'units'), { recursive: true });
    const aistackd = join(dir, 'aistackd.js');
    writeFileSync(aistackd, '');
    const dataDir = join(dir, 'data 100% mine');
    const user = join(dir, 'units', 'aistack.service');
    writeFileSync(
      user,
      renderUserUnit(template('systemd-user'), { node: NODE, aistackd, dataDir }),
    );
    const system = join(dir, 'units', 'aistack@.service');
    writeFileSync(system, renderSystemUnit(template('systemd-system'), { node: NODE, aistackd }));
    symlinkSync('aistack@.service', join(dir, 'units', 'aistack@alice.service'));
    expect(systemdVerify(user, true)).toBe('exit 0');
    expect(systemdVerify(system, false)).toBe('exit 0');
    expect(systemdVerify(join(dir, 'units', 'aistack@alice.service'), false)).toBe('exit 0');
    // verify exits 0 on bad values too, so silence is what counts; prove it would speak.
    writeFileSync(
      user,
      readFileSync(user, 'utf8').replace('ProtectHome=read-only', 'ProtectHome=bogus'),
    );
    expect(systemdVerify(user, true)).toMatch(/protect home value.*bogus/i);
  });

  it('the launchd plist is a valid property list with the agent settings', () => {
    expect(parsePlist(template('launchd'))).toMatchObject({ Label: 'com.aistack.daemon' });
    const paths = {
      node: NODE,
      aistackd: '/Users/a&b/<aistack>/dist/bin/aistackd.js',
      dataDir: '/Users/a&b/Library/Application Support/aistack',
      socketPath: '/Users/a&b/.aistack/run/aistack.sock',
      logDir: '/Users/a&b/Library/Logs/aistack',
      pathEnv: launchdPathEnv(NODE),
    };
    const plist = parsePlist(renderLaunchdPlist(template('launchd'), paths)) as Record<
      string,
      PlistValue
    >;
    expect(plist).toEqual({
      Label: 'com.aistack.daemon',
      ProgramArguments: [
        NODE,
        paths.aistackd,
        '--socket',
        paths.socketPath,
        '--data-dir',
        paths.dataDir,
        '--log-file',
        `${paths.logDir}/aistackd.log`,
      ],
      EnvironmentVariables: {
        PATH: paths.pathEnv,
        AISTACK_DATA_DIR: paths.dataDir,
        AISTACK_SOCKET: paths.socketPath,
      },
      RunAtLoad: true,
      KeepAlive: { SuccessfulExit: false },
      ThrottleInterval: 10,
      ExitTimeOut: 30,
      ProcessType: 'Background',
      Umask: 63,
      SoftResourceLimits: { NumberOfFiles: 4096 },
      StandardOutPath: `${paths.logDir}/launchd.out.log`,
      StandardErrorPath: `${paths.logDir}/launchd.err.log`,
    });
    // node's own directory comes first, so anything the daemon spawns finds the same node.
    expect((plist.EnvironmentVariables as { PATH: string }).PATH.split(':')[0]).toBe(
      join(NODE, '..'),
    );
    expect(() =>
      parsePlist(PLIST_HEAD + '<plist version="1.0"><dict><key>a</key></dict></plist>'),
    ).toThrow();
  });
});

describe('service plans', () => {
  const base = { uid: 501, env: {}, home: '/Users/a', system: false };

  it('macOS: the agent goes to ~/Library/LaunchAgents and is bootstrapped into gui/<uid>', () => {
    const t = resolveTarget({ ...base, platform: 'darwin' });
    expect(t.path).toBe('/Users/a/Library/LaunchAgents/com.aistack.daemon.plist');
    expect(installCommands(t, false).map((c) => c.argv)).toEqual([
      ['launchctl', 'bootout', 'gui/501/com.aistack.daemon'],
      ['launchctl', 'bootstrap', 'gui/501', t.path],
    ]);
    expect(() => resolveTarget({ ...base, platform: 'darwin', system: true })).toThrow(/Linux/);
  });

  it('Linux: user unit under XDG_CONFIG_HOME, system instances per user, restart on change', () => {
    const env = { XDG_CONFIG_HOME: '/h/cfg' };
    const user = resolveTarget({ ...base, env, platform: 'linux' });
    expect(user.path).toBe('/h/cfg/systemd/user/aistack.service');
    expect(installCommands(user, true).map((c) => c.argv.join(' '))).toEqual([
      'systemctl --user daemon-reload',
      'systemctl --user enable --now aistack.service',
      'systemctl --user try-restart aistack.service',
    ]);
    const sys = resolveTarget({ ...base, platform: 'linux', system: true, user: 'alice' });
    expect(sys.path).toBe('/etc/systemd/system/aistack@.service');
    expect(installCommands(sys, false).map((c) => c.argv.join(' '))).toEqual([
      'systemctl daemon-reload',
      'systemctl enable --now aistack@alice.service',
    ]);
    expect(() => validateUserName('../x')).toThrow(/not a valid user name/);
    expect(() => validateUserName('a b')).toThrow(/not a valid user name/);
  });

  it('macOS install plan: plist with real paths, a private log dir, bootout then bootstrap', async () => {
    const home = tempDir();
    const host = { env: { HOME: home }, platform: 'darwin' as const, uid: 501, node: NODE };
    const fake = {
      ...host,
      aistackd: DIST_AISTACKD_SRC,
      run: () => Promise.reject(new Error('no run')),
    };
    const target = resolveTarget({ ...base, platform: 'darwin', home });
    const plan = await planInstall(fake, {
      target,
      dataDir: join(home, 'data'),
      socketPath: join(home, 'run.sock'),
      dataDirGiven: false,
    });
    const logDir = join(home, 'Library', 'Logs', 'aistack');
    expect(plan.dirs).toEqual([{ path: logDir, mode: 0o700 }]);
    const plist = parsePlist(plan.content) as { ProgramArguments: string[] };
    expect(plist.ProgramArguments.slice(0, 6)).toEqual([
      NODE,
      realpathSync(DIST_AISTACKD_SRC),
      '--socket',
      join(home, 'run.sock'),
      '--data-dir',
      join(home, 'data'),
    ]);
    expect(plist).toMatchObject({ StandardErrorPath: join(logDir, 'launchd.err.log') });
    expect(plan.commands.map((c) => c.argv[1])).toEqual(['bootout', 'bootstrap']);
    const system = resolveTarget({ ...base, platform: 'linux', system: true, user: 'alice' });
    expect(() => checkMayWrite({ ...fake, uid: 1000, env: {} }, system)).toThrow(/needs root/);
  });

  it('finds enabled system instances from the *.wants links', () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'multi-user.target.wants'));
    for (const u of ['aistack@bob.service', 'aistack@alice.service', 'other.service'])
      symlinkSync('/dev/null', join(dir, 'multi-user.target.wants', u));
    expect(enabledInstances(dir)).toEqual(['aistack@alice.service', 'aistack@bob.service']);
  });
});

const STAND_IN_SYSTEMCTL = `#!/bin/sh
# Stand-in systemctl: records each call's arguments on one line.
echo "$*" >> "$SYSTEMCTL_LOG"
if [ -n "\${SYSTEMCTL_FAIL:-}" ]; then echo "$SYSTEMCTL_FAIL" >&2; exit 1; fi
case "$*" in *" status "*) echo "aistack.service - stand-in"; exit "\${SYSTEMCTL_STATUS:-0}" ;; esac
exit 0
`;

interface Sandbox {
  dir: string;
  env: NodeJS.ProcessEnv;
  units: string;
  calls(): string[];
  cli(args: string[], extra?: NodeJS.ProcessEnv): Promise<CliResult>;
}

function sandbox(): Sandbox {
  const dir = tempDir();
  const bin = join(dir, 'bin');
  mkdirSync(bin);
  writeFileSync(join(bin, 'systemctl'), STAND_IN_SYSTEMCTL, { mode: 0o755 });
  const log = join(dir, 'systemctl.log');
  const env = {
    PATH: `${bin}:${process.env.PATH}`,
    HOME: dir,
    XDG_CONFIG_HOME: join(dir, 'xdg'),
    XDG_RUNTIME_DIR: join(dir, 'run'),
    AISTACK_DATA_DIR: join(dir, 'data'),
    AISTACK_SERVICE_DIR: join(dir, 'units'),
    SYSTEMCTL_LOG: log,
  };
  const cli = (args: string[], extra: NodeJS.ProcessEnv = {}) =>
    new Promise<CliResult>((resolve) => {
      const child = spawn(process.execPath, [AISTACK, ...args], { env: { ...env, ...extra } });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d) => (stdout += d));
      child.stderr.on('data', (d) => (stderr += d));
      child.once('close', (code) => resolve({ code, stdout, stderr }));
    });
  const calls = () => (existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n') : []);
  return { dir, env, units: env.AISTACK_SERVICE_DIR, calls, cli };
}

describe('aistack service (CLI, Linux)', () => {
  it('install --dry-run --json shows the unit with real paths and changes nothing', async () => {
    const s = sandbox();
    const r = await s.cli(['service', 'install', '--dry-run', '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const plan = JSON.parse(r.stdout);
    expect(plan).toMatchObject({
      dryRun: true,
      path: join(s.units, 'aistack.service'),
      mode: '0644',
    });
    expect(plan.commands).toEqual([
      ['systemctl', '--user', 'daemon-reload'],
      ['systemctl', '--user', 'enable', '--now', 'aistack.service'],
    ]);
    const [node, aistackd] = words(values(parseUnit(plan.content), 'ExecStart')[0]!);
    expect(node).toBe(NODE);
    expect(aistackd).toBe(realpathSync(DIST_AISTACKD));
    expect(existsSync(node!) && existsSync(aistackd!)).toBe(true);
    expect(plan.content).toContain(`--data-dir ${s.env.AISTACK_DATA_DIR}`);
    expect([s.units, s.env.AISTACK_DATA_DIR!].filter((p) => existsSync(p))).toEqual([]);
    expect(s.calls()).toEqual([]);

    const human = await s.cli(['service', 'install', '--dry-run']);
    expect(human.stdout).toContain(
      `# would write ${join(s.units, 'aistack.service')} (mode 0644):`,
    );
    expect(human.stdout).toContain(plan.content);
    expect(human.stdout).toMatch(
      /systemctl --user daemon-reload\nsystemctl --user enable --now aistack.service\n$/,
    );
    expect(existsSync(s.units)).toBe(false);
  });

  it('install writes the unit, then calls daemon-reload and enable --now; uninstall undoes it', async () => {
    const s = sandbox();
    const unit = join(s.units, 'aistack.service');
    const r = await s.cli(['service', 'install']);
    expect(r.code, r.stderr).toBe(0);
    expect(s.calls()).toEqual(['--user daemon-reload', '--user enable --now aistack.service']);
    expect(mode(unit)).toBe(0o644);
    expect(mode(s.env.AISTACK_DATA_DIR!)).toBe(0o700);
    expectHardened(parseUnit(readFileSync(unit, 'utf8')));
    if (existsSync(ANALYZE)) expect(systemdVerify(unit, true)).toBe('exit 0');

    // Same content: nothing to restart. Changed content: the running daemon is restarted.
    await s.cli(['service', 'install']);
    writeFileSync(unit, 'old');
    await s.cli(['service', 'install']);
    expect(s.calls().slice(2)).toEqual([
      '--user daemon-reload',
      '--user enable --now aistack.service',
      '--user daemon-reload',
      '--user enable --now aistack.service',
      '--user try-restart aistack.service',
    ]);

    const status = await s.cli(['service', 'status']);
    expect([status.code, status.stdout]).toEqual([0, 'aistack.service - stand-in\n']);
    expect((await s.cli(['service', 'status'], { SYSTEMCTL_STATUS: '3' })).code).toBe(3);

    const un = await s.cli(['service', 'uninstall']);
    expect(un.code, un.stderr).toBe(0);
    expect(existsSync(unit)).toBe(false);
    expect(s.calls().slice(-3)).toEqual([
      '--user status aistack.service --no-pager',
      '--user disable --now aistack.service',
      '--user daemon-reload',
    ]);
  });

  it('reports a failing systemctl with its message and exit 1', async () => {
    const s = sandbox();
    const r = await s.cli(['service', 'install'], { SYSTEMCTL_FAIL: 'Failed to connect to bus' });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /`systemctl --user daemon-reload` failed \(exit 1\): Failed to connect to bus/,
    );
  });

  it('--system refuses root and needs --user; it installs the template for a normal user', async () => {
    const s = sandbox();
    const root = await s.cli(['service', 'install', '--system', '--user', 'root', '--dry-run']);
    expect([root.code, root.stderr]).toEqual([
      2,
      expect.stringMatching(/refusing to run aistackd as root/),
    ]);
    expect((await s.cli(['service', 'install', '--system'])).stderr).toMatch(/needs --user NAME/);
    expect((await s.cli(['service', 'install', '--user', 'x'])).code).toBe(2);
    const name = spawnSync('id', ['-u', 'nobody']).status === 0 ? 'nobody' : undefined;
    if (!name) return;
    const r = await s.cli(['service', 'install', '--system', '--user', name]);
    expect(r.code, r.stderr).toBe(0);
    expect(s.calls()).toEqual(['daemon-reload', `enable --now aistack@${name}.service`]);
    const file = join(s.units, 'aistack@.service');
    expect(values(parseUnit(readFileSync(file, 'utf8')), 'User')).toEqual(['%i']);
    if (existsSync(ANALYZE)) expect(systemdVerify(file, false)).toBe('exit 0');
  });
});

describe.skipIf(process.platform !== 'linux')('scripts/install.sh', () => {
  function stubs(dir: string, nodeMajor?: number): NodeJS.ProcessEnv {
    const bin = join(dir, 'bin');
    mkdirSync(bin, { recursive: true });
    writeFileSync(join(bin, 'npm'), '#!/bin/sh\necho "$*" >> "$NPM_LOG"\n', { mode: 0o755 });
    if (nodeMajor)
      writeFileSync(join(bin, 'node'), `#!/bin/sh\necho ${nodeMajor}\n`, { mode: 0o755 });
    return { PATH: `${bin}:${process.env.PATH}`, HOME: dir, NPM_LOG: join(dir, 'npm.log') };
  }
  const run = (env: NodeJS.ProcessEnv, args: string[]) =>
    spawnSync('bash', [join(ROOT, 'scripts', 'install.sh'), ...args], {
      env,
      encoding: 'utf8',
      timeout: 60_000,
    });

  it('refuses Node.js older than 20 before touching npm', () => {
    const dir = tempDir();
    const r = run(stubs(dir, 18), ['--dry-run']);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/Node\.js 20 or newer is needed/);
    expect(existsSync(join(dir, 'npm.log'))).toBe(false);
  });

  it('runs npm ci, npm run build, then aistack service install with its arguments', () => {
    const dir = tempDir();
    const env = {
      ...stubs(dir),
      AISTACK_SERVICE_DIR: join(dir, 'units'),
      XDG_RUNTIME_DIR: join(dir, 'run'),
    };
    const r = run(env, ['--dry-run', '--json']);
    expect(readFileSync(join(dir, 'npm.log'), 'utf8')).toBe('ci\nrun build\n');
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({
      dryRun: true,
      path: join(dir, 'units', 'aistack.service'),
    });
  });
});
