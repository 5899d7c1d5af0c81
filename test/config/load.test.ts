import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/load.js';
import { defaultConfig } from '../../src/config/schema.js';
import { cleanupAll, tempDir } from '../helpers/daemon.js';

afterEach(cleanupAll);

function file(content: unknown, mode = 0o600): string {
  const path = join(tempDir(), 'aistack.config.json');
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  chmodSync(path, mode);
  return path;
}

describe('config loading', () => {
  it('uses embedded defaults when no file exists at the default location', () => {
    const loaded = loadConfig({ env: { HOME: tempDir() } });
    expect(loaded.file).toBeUndefined();
    expect(loaded.config).toEqual(defaultConfig());
    expect(loaded.config.daemon.maxLineBytes).toBe(4 * 1024 * 1024);
  });

  it('finds the file under $XDG_CONFIG_HOME/aistack', () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'aistack'));
    writeFileSync(join(dir, 'aistack', 'aistack.config.json'), '{"daemon":{"maxConnections":7}}');
    const loaded = loadConfig({ env: { XDG_CONFIG_HOME: dir } });
    expect(loaded.config.daemon.maxConnections).toBe(7);
  });

  it('fails on an explicitly named file that does not exist', () => {
    expect(() => loadConfig({ flag: join(tempDir(), 'missing.json'), env: {} })).toThrow(
      /cannot read config file/,
    );
  });

  it('names the field path of every invalid or unknown field', () => {
    const path = file({
      daemon: { maxConnections: 'many', socketpath: '/x' },
      logging: { level: 'loud' },
    });
    try {
      loadConfig({ flag: path, env: {} });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      const paths = (err as ConfigError).issues.map((i) => i.path);
      expect(paths).toEqual(
        expect.arrayContaining(['daemon.maxConnections', 'daemon', 'logging.level']),
      );
      expect((err as Error).message).toMatch(/socketpath/);
    }
  });

  it('interpolates ${VAR} and ${VAR:-default}, and names a missing variable', () => {
    const path = file({ dataDir: '${DATA}/x', daemon: { socketPath: '${SOCK:-/run/a.sock}' } });
    const loaded = loadConfig({ flag: path, env: { DATA: '/srv' } });
    expect(loaded.config.dataDir).toBe('/srv/x');
    expect(loaded.config.daemon.socketPath).toBe('/run/a.sock');
    const missing = file({ providers: { openai: { apiKey: '${OPENAI_KEY_NOT_SET}' } } });
    expect(() => loadConfig({ flag: missing, env: {} })).toThrow(
      /OPENAI_KEY_NOT_SET is not set \(used at providers\.openai\.apiKey\)/,
    );
  });

  it('warns about a literal secret in a file others can read, and not about a ${VAR}', () => {
    const literal = file(
      { providers: { anthropic: { apiKey: 'sk-ant-api03-0123456789abcdefghij' } } },
      0o644,
    );
    const w = loadConfig({ flag: literal, env: {} }).warnings;
    expect(w).toHaveLength(1);
    expect(w[0]).toMatchObject({
      code: 'CONFIG_LITERAL_SECRET_READABLE',
      fields: ['providers.anthropic.apiKey'],
    });
    expect(w[0]!.message).not.toContain('0123456789abcdefghij');
    const referenced = file({ providers: { anthropic: { apiKey: '${K}' } } }, 0o644);
    expect(
      loadConfig({ flag: referenced, env: { K: 'sk-ant-api03-0123456789abcdefghij' } }).warnings,
    ).toEqual([]);
    const privateLiteral = file(
      { providers: { anthropic: { apiKey: 'sk-ant-api03-0123456789abcdefghij' } } },
      0o600,
    );
    expect(loadConfig({ flag: privateLiteral, env: {} }).warnings[0]?.code).toBe(
      'CONFIG_LITERAL_SECRET',
    );
  });

  it('reports invalid JSON with the file name', () => {
    const path = file('{ "daemon": ');
    expect(() => loadConfig({ flag: path, env: {} })).toThrow(/is not valid JSON/);
  });
});
