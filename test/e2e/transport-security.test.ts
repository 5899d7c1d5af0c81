/**
 * Provider keys on the wire: a plain-http provider URL on another host stops the daemon
 * from starting (and `aistack config check` says why); `allowInsecureHttp` lets it start
 * with a warning, an audit record and a doctor FAIL; an inherited
 * NODE_TLS_REJECT_UNAUTHORIZED=0 gets the same.
 */
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { auditRecords } from '../helpers/audit.js';
import {
  cleanupAll,
  connectTo,
  runCli,
  spawnDaemon,
  startDaemon,
  tempDir,
  writeConfig,
} from '../helpers/daemon.js';

afterEach(cleanupAll);

interface Check {
  id: string;
  verdict: string;
  detail: string;
  fix?: string;
}

async function doctorCheck(
  target: { socketPath: string; dataDir: string },
  configPath: string,
  id: string,
): Promise<Check> {
  const r = await runCli([
    '--json',
    'doctor',
    '--socket',
    target.socketPath,
    '--data-dir',
    target.dataDir,
    '--config',
    configPath,
  ]);
  const report = JSON.parse(r.stdout) as { checks: Check[] };
  return report.checks.find((c) => c.id === id)!;
}

describe('provider baseURL transport', () => {
  it('refuses to start with plain http to another host, naming the field; config check says so too', async () => {
    const dir = tempDir();
    const config = writeConfig(dir, {
      providers: { openai: { apiKey: '${OPENAI_API_KEY}', baseURL: 'http://api.example.com/v1' } },
    });
    const field =
      /providers\.openai\.baseURL: http:\/\/api\.example\.com would send the API key and every prompt in cleartext/;
    const env = { OPENAI_API_KEY: 'sk-proj-' + 'x'.repeat(40) };
    await expect(spawnDaemon(dir, ['--config', config], env)).rejects.toThrow(field);
    const check = await runCli(['config', 'check', '--config', config], { HOME: dir, ...env });
    expect(check.code).toBe(1);
    expect(check.stderr).toMatch(/^INVALID: /);
    expect(check.stderr).toMatch(field);
    expect(check.stderr).toContain('allowInsecureHttp: true');
  });

  it('with allowInsecureHttp starts, warns and audits it, lists it in status, and doctor fails it', async () => {
    const insecure = {
      ollama: { baseURL: 'http://192.0.2.10:11434', allowInsecureHttp: true },
    };
    const d = await startDaemon({ config: { providers: insecure } });
    const configPath = join(d.dir, 'aistack.config.json');
    expect(d.logs()).toMatch(
      /providers\.ollama\.baseURL is plain http to another host \(http:\/\/192\.0\.2\.10:11434\), allowed by allowInsecureHttp/,
    );
    const audited = () => auditRecords(d).filter((r) => r.event === 'config.insecure_transport');
    expect(audited()).toEqual([
      expect.objectContaining({
        code: 'PROVIDER_INSECURE_HTTP',
        field: 'providers.ollama.baseURL',
      }),
    ]);
    const c = await d.client();
    const status = await c.call('system.status');
    expect(status.insecureTransport.map((t) => t.field)).toEqual(['providers.ollama.baseURL']);

    const check = await doctorCheck(d, configPath, 'transport');
    expect(check.verdict).toBe('FAIL');
    expect(check.detail).toContain('providers.ollama.baseURL is plain http');
    expect(check.fix).toMatch(
      /use https:\/\/ .*providers\.ollama\.baseURL and remove allowInsecureHttp/,
    );
    const configCheck = await runCli(['config', 'check', '--config', configPath], { HOME: d.dir });
    expect(configCheck.code).toBe(0);
    expect(configCheck.stdout).toMatch(/^WARN: providers\.ollama\.baseURL is plain http/m);

    // A reload that brings in another one reports that one, and only that one.
    writeConfig(d.dir, {
      providers: {
        ...insecure,
        openai: { baseURL: 'http://192.0.2.11/v1', allowInsecureHttp: true },
      },
    });
    await c.call('config.reload');
    expect(audited().map((r) => r.field)).toEqual([
      'providers.ollama.baseURL',
      'providers.openai.baseURL',
    ]);
  });

  it('passes the doctor check with https and loopback URLs', async () => {
    const d = await startDaemon({
      config: {
        providers: {
          openai: { baseURL: 'https://api.openai.com/v1' },
          ollama: { baseURL: 'http://127.0.0.1:11434' },
        },
      },
    });
    const check = await doctorCheck(d, join(d.dir, 'aistack.config.json'), 'transport');
    expect(check.verdict).toBe('PASS');
    expect(auditRecords(d).some((r) => r.event === 'config.insecure_transport')).toBe(false);
  });
});

describe('NODE_TLS_REJECT_UNAUTHORIZED', () => {
  it('inherited as 0, is warned about at start, audited, and fails doctor', async () => {
    const dir = tempDir();
    const config = writeConfig(dir, {});
    const d = await spawnDaemon(dir, ['--config', config], { NODE_TLS_REJECT_UNAUTHORIZED: '0' });
    const c = await connectTo(d);
    const status = await c.call('system.status');
    c.close();
    expect(status.insecureTransport).toEqual([
      expect.objectContaining({
        code: 'TLS_VERIFY_DISABLED',
        field: 'NODE_TLS_REJECT_UNAUTHORIZED',
      }),
    ]);
    expect(d.output()).toContain(
      'NODE_TLS_REJECT_UNAUTHORIZED=0 is set in the daemon environment: TLS certificates are not checked',
    );
    expect(auditRecords(d)).toContainEqual(
      expect.objectContaining({
        event: 'config.insecure_transport',
        code: 'TLS_VERIFY_DISABLED',
        field: 'NODE_TLS_REJECT_UNAUTHORIZED',
      }),
    );
    // The doctor runs without the variable: what counts is the daemon's environment.
    const check = await doctorCheck(d, config, 'transport');
    expect(check.verdict).toBe('FAIL');
    expect(check.fix).toMatch(/unset NODE_TLS_REJECT_UNAUTHORIZED .*NODE_EXTRA_CA_CERTS/);
  });
});
