/**
 * Fixture plugins for tests, written into a plugins directory: a good one (a method and
 * an agent type), ones that try to get out of their sandbox (read the database or the
 * config, spawn `ls`, dial the daemon's socket, signal the daemon), and ones that
 * misbehave (throw at load, hang a call, exit mid-call, flood their output). Plus the
 * calls a test needs: approve as a user would (inspect, then approve that hash), and
 * call a plugin method, which the typed client does not know about.
 */
import { appendFileSync, chmodSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startDaemon, tempDir } from './daemon.js';
import type { AistackClient } from '../../src/clients/client.js';
import { ESCAPES } from './plugin-escapes.js';

export interface FixtureSpec {
  methods?: { name: string; description: string }[];
  agentTypes?: {
    name: string;
    description: string;
    systemPrompt: string;
    capabilities: string[];
  }[];
  /** The entry module's source (written as index.mjs). */
  code: string;
  /** More files of the plugin, by relative path. */
  files?: Record<string, string>;
}

const probe = (body: string) => `import { readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import net from 'node:net';
export const methods = { ${body} };`;

export const FIXTURES = {
  good: {
    methods: [
      { name: 'greet', description: 'Says hello to params.name.' },
      { name: 'env', description: 'Lists the environment variable names it can see.' },
    ],
    agentTypes: [
      {
        name: 'haiku-writer',
        description: 'Writes haiku.',
        systemPrompt: 'You write haiku: three lines, 5-7-5 syllables.',
        capabilities: ['poetry'],
      },
    ],
    code: `export const methods = {
  greet(params, context) {
    return { greeting: 'hello, ' + (params.name ?? 'world'), sessionId: context.sessionId };
  },
  env() { return { names: Object.keys(process.env) }; },
};`,
  },
  'read-db': {
    methods: [{ name: 'read', description: 'Reads the file at params.path.' }],
    code: probe(`read: (p) => ({ bytes: readFileSync(p.path).length })`),
  },
  'read-config': {
    methods: [{ name: 'read', description: 'Reads the file at params.path.' }],
    code: probe(`read: (p) => ({ text: readFileSync(p.path, 'utf8') })`),
  },
  spawner: {
    methods: [{ name: 'ls', description: 'Runs ls.' }],
    code: probe(`ls: () => ({ out: execFileSync('ls', ['/']).toString() })`),
  },
  escaper: {
    methods: [
      { name: 'dial', description: 'Connects to the Unix socket at params.path.' },
      { name: 'signal', description: 'Sends SIGUSR1 to its parent.' },
    ],
    code: probe(`dial: (p) => new Promise((resolve, reject) => {
      const s = net.connect(p.path);
      s.on('connect', () => { s.end(); resolve({ connected: true }); });
      s.on('error', reject);
    }),
    signal: () => { process.kill(process.ppid, 'SIGUSR1'); return { sent: true }; }`),
  },
  thrower: {
    methods: [{ name: 'noop', description: 'Never reached.' }],
    code: `throw new Error('boom at load');\nexport const methods = { noop() {} };`,
  },
  hanger: {
    methods: [{ name: 'wait', description: 'Never answers.' }],
    code: `export const methods = { wait: () => new Promise(() => {}) };`,
  },
  exiter: {
    methods: [{ name: 'die', description: 'Exits while answering.' }],
    code: `export const methods = { die() { setTimeout(() => process.exit(3), 20); return new Promise(() => {}); } };`,
  },
  flooder: {
    methods: [{ name: 'flood', description: 'Prints without end.' }],
    code: `export const methods = { flood() { const line = 'x'.repeat(64 * 1024); for (;;) console.log(line); } };`,
  },
  ...ESCAPES,
} satisfies Record<string, FixtureSpec>;

export type FixtureName = keyof typeof FIXTURES;

/** A daemon in this process with plugins on, and the given fixtures in its plugins directory. */
export async function pluginDaemon(fixtures: FixtureName[], plugins: Record<string, unknown> = {}) {
  const dir = tempDir('aistack-plugins-');
  const pluginsDir = join(dir, 'plugins');
  writeFixtures(pluginsDir, fixtures);
  const d = await startDaemon({
    dir,
    config: { plugins: { enabled: true, dir: pluginsDir, ...plugins } },
    env: { ANTHROPIC_API_KEY: 'sk-ant-' + 'K'.repeat(40) },
  });
  const client = await d.client();
  return { d, client, pluginsDir, configPath: join(dir, 'aistack.config.json') };
}

/** Writes one fixture plugin into `pluginsDir/<name>` and returns its folder. */
export function writePlugin(pluginsDir: string, name: string, spec: FixtureSpec): string {
  const dir = join(pluginsDir, name);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(pluginsDir, 0o700);
  const manifest = {
    name,
    version: '1.0.0',
    entry: 'index.mjs',
    description: `fixture ${name}`,
    methods: spec.methods ?? [],
    agentTypes: spec.agentTypes ?? [],
  };
  writeFileSync(join(dir, 'aistack-plugin.json'), JSON.stringify(manifest, null, 2), {
    mode: 0o600,
  });
  writeFileSync(join(dir, 'index.mjs'), spec.code, { mode: 0o600 });
  for (const [rel, text] of Object.entries(spec.files ?? {}))
    writeFileSync(join(dir, rel), text, { mode: 0o600 });
  return dir;
}

export function writeFixtures(pluginsDir: string, names: FixtureName[]): void {
  for (const name of names) writePlugin(pluginsDir, name, FIXTURES[name]);
}

/** Changes a byte of the plugin after approval. */
export function tamper(pluginDir: string): void {
  appendFileSync(join(pluginDir, 'index.mjs'), '\n// changed\n');
}

/** Adds a symlink that points out of the plugin folder. */
export function linkOut(pluginDir: string, target = '/etc'): void {
  symlinkSync(target, join(pluginDir, 'outside'));
}

/** What a user does: look at the manifest and hash, then approve that hash. */
export async function approve(client: AistackClient, name: string) {
  const { hash } = await client.call('plugin.inspect', { name });
  return client.call('plugin.approve', { name, hash });
}

/** Calls `plugin.<plugin>.<method>`. */
export function callPlugin(
  client: AistackClient,
  method: string,
  params: Record<string, unknown> = {},
): Promise<Record<string, unknown>> {
  const call = client.call.bind(client) as unknown as (m: string, p: unknown) => Promise<unknown>;
  return call(`plugin.${method}`, params) as Promise<Record<string, unknown>>;
}

/** A plugin's entry in `plugin.list` (state, reason, hashes). */
export const stateOf = async (client: AistackClient, name: string) =>
  (await client.call('plugin.list', {})).plugins.find((p) => p.name === name);
