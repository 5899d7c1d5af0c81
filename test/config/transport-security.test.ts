import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../../src/config/load.js';
import { insecureTransport, isLoopbackHost } from '../../src/config/transport-security.js';

const withOpenAI = (openai: Record<string, unknown>) => ({ providers: { openai } });

function issues(raw: unknown): { path: string; message: string }[] {
  try {
    parseConfig(raw, {});
  } catch (err) {
    if (err instanceof ConfigError) return err.issues;
    throw err;
  }
  return [];
}

describe('provider baseURL', () => {
  it('refuses plain http to another host, naming the field and the way out', () => {
    for (const url of [
      'http://api.example.com/v1',
      'http://10.0.0.5:11434',
      'http://localhost.evil.example',
      'http://[::2]:80',
      'http://user:pw@198.51.100.7',
    ]) {
      const found = issues(withOpenAI({ baseURL: url }));
      expect(found, url).toHaveLength(1);
      expect(found[0]!.path).toBe('providers.openai.baseURL');
      expect(found[0]!.message).toMatch(
        /in cleartext: use https:\/\/, or http:\/\/ only on a loopback/,
      );
      expect(found[0]!.message).toContain('allowInsecureHttp: true');
      expect(found[0]!.message).not.toContain('pw');
    }
    expect(issues(withOpenAI({ baseURL: 'ftp://files.example.com' }))[0]!.message).toMatch(
      /must be an https:\/\/ URL/,
    );
  });

  it('accepts https anywhere and http on loopback addresses', () => {
    for (const url of [
      'https://api.openai.com/v1',
      'http://127.0.0.1:8080',
      'http://127.9.8.7',
      'http://127.1:99',
      'http://localhost:11434',
      'http://LOCALHOST',
      'http://[::1]:8080/v1',
    ]) {
      expect(issues(withOpenAI({ baseURL: url })), url).toEqual([]);
    }
    expect(isLoopbackHost('128.0.0.1')).toBe(false);
  });

  it('accepts plain http to another host with allowInsecureHttp, and lists it as insecure', () => {
    const config = parseConfig(
      { providers: { ollama: { baseURL: 'http://gpu-box.lan:11434', allowInsecureHttp: true } } },
      {},
    );
    expect(insecureTransport(config, {})).toEqual([
      expect.objectContaining({
        code: 'PROVIDER_INSECURE_HTTP',
        field: 'providers.ollama.baseURL',
        fix: expect.stringContaining('use https://'),
      }),
    ]);
    // The override on a URL that needs none is not an exposure.
    const fine = parseConfig(
      withOpenAI({ baseURL: 'https://api.openai.com/v1', allowInsecureHttp: true }),
      {},
    );
    expect(insecureTransport(fine, {})).toEqual([]);
  });

  it('lists NODE_TLS_REJECT_UNAUTHORIZED=0, and only that value', () => {
    const config = parseConfig({}, {});
    expect(insecureTransport(config, { NODE_TLS_REJECT_UNAUTHORIZED: '0' })).toEqual([
      expect.objectContaining({
        code: 'TLS_VERIFY_DISABLED',
        field: 'NODE_TLS_REJECT_UNAUTHORIZED',
        fix: expect.stringContaining('NODE_EXTRA_CA_CERTS'),
      }),
    ]);
    expect(insecureTransport(config, { NODE_TLS_REJECT_UNAUTHORIZED: '1' })).toEqual([]);
  });
});
