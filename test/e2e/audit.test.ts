import { spawn } from 'node:child_process';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { RpcError } from '../../src/clients/client.js';
import { AISTACK, cleanupAll, runCli, startDaemon } from '../helpers/daemon.js';
import { auditRecords } from '../helpers/audit.js';
import { openSession } from '../helpers/session.js';
import { waitFor } from '../helpers/wait.js';

afterEach(cleanupAll);

describe('audit log through the daemon', () => {
  it('records refusals in a verified chain, and the CLI tails and verifies it', async () => {
    const d = await startDaemon();
    const c = await d.client();
    await expect(c.call('memory.store', { key: '', content: 'x' } as never)).rejects.toBeInstanceOf(
      RpcError,
    );
    await expect(c.call('nope.nothing' as never)).rejects.toBeInstanceOf(RpcError);
    const records = auditRecords(d);
    expect(records.length).toBeGreaterThan(0);
    expect(await c.call('audit.verify')).toMatchObject({
      ok: true,
      firstSeq: 1,
      headChecked: true,
    });
    const { records: tail } = await c.call('audit.tail', { limit: 2 });
    expect(tail.at(-1)!.seq).toBe(records.at(-1)!.seq);
    expect(statSync(join(d.dataDir, 'audit')).mode & 0o777).toBe(0o700);
    const env = { AISTACK_SOCKET: d.socketPath };
    const ok = await runCli(['audit', 'verify', '--no-autostart'], env);
    expect(ok.stdout).toMatch(/^OK: \d+ records \(seq 1–\d+\) in 1 file\n$/);
    expect(ok.code).toBe(0);
    const table = await runCli(['audit', 'tail', '-n', '5', '--no-autostart'], env);
    expect(table.stdout).toMatch(/^SEQ\s+TIME\s+EVENT\s+DETAILS/);
    const json = await runCli(
      ['audit', 'tail', '--type', 'request.', '--json', '--no-autostart'],
      env,
    );
    expect(
      JSON.parse(json.stdout).records.every((r: { event: string }) =>
        r.event.startsWith('request.'),
      ),
    ).toBe(true);
    // tamper: edit the first record
    const file = join(d.dataDir, 'audit', 'audit.1.log');
    const lines = readFileSync(file, 'utf8').split('\n');
    lines[0] = lines[0]!.replace('"seq":1', '"seq":1,"x":1');
    writeFileSync(file, lines.join('\n'));
    const bad = await runCli(['audit', 'verify', '--no-autostart'], env);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(/^BROKEN at audit\.1\.log:2 \(seq 2\): /);
    await expect(c.call('audit.tail', { limit: 5000 })).rejects.toMatchObject({ rpcCode: -32602 });
  });

  it('filters the tail by session, time and seq from the CLI, and refuses what cannot go together', async () => {
    const d = await startDaemon();
    const c = await d.client();
    const mine = await openSession(c);
    const other = await openSession(c);
    await c.call('session.end', other.creds);
    const env = { AISTACK_SOCKET: d.socketPath };
    const tail = async (...args: string[]) => {
      const r = await runCli(['audit', 'tail', '--json', '--no-autostart', ...args], env);
      expect(r.code, r.stderr).toBe(0);
      type Row = { seq: number; event: string; details: { sessionId?: string } };
      return JSON.parse(r.stdout).records as Row[];
    };

    const aboutMine = await tail('-s', mine.id, '-n', '1000');
    expect(aboutMine.length).toBeGreaterThan(0);
    expect(aboutMine.every((r) => r.details.sessionId === mine.id)).toBe(true);
    const aboutOther = await tail('--session', other.id);
    expect(aboutOther.map((r) => r.details.sessionId)).toEqual(aboutOther.map(() => other.id));
    expect(aboutOther.map((r) => r.event)).toContain('session.end');
    expect(aboutMine.map((r) => r.event)).not.toContain('session.end');

    const all = await tail('-n', '1000');
    expect(await tail('--since', '1h', '-n', '1000')).toEqual(all);
    expect(await tail('--until', '2000-01-01')).toEqual([]);
    const last = all.at(-1)!.seq;
    expect((await tail('--before', String(last), '-n', '2')).map((r) => r.seq)).toEqual([
      last - 2,
      last - 1,
    ]);

    const both = await runCli(['audit', 'tail', '-f', '--before', '5', '--no-autostart'], env);
    expect(both.code).toBe(2);
    expect(both.stderr).toContain('--follow');
    const vague = await runCli(['audit', 'tail', '--since', 'yesterday', '--no-autostart'], env);
    expect(vague.code).toBe(2);
    expect(vague.stderr).toContain('--since');
  });

  it('follows new records with -f, in the same table, aligned under one header', async () => {
    const d = await startDaemon();
    const c = await d.client();
    const refuse = () =>
      expect(c.call('memory.store', { key: '' } as never)).rejects.toBeInstanceOf(RpcError);
    const refusals = () => out.match(/request\.refused/g)?.length ?? 0;
    // A first refusal before the CLI starts: once its first page shows it, the CLI follows.
    await refuse();
    const child = spawn(process.execPath, [AISTACK, 'audit', 'tail', '-f', '--no-autostart'], {
      env: { PATH: process.env.PATH, AISTACK_SOCKET: d.socketPath },
    });
    let out = '';
    child.stdout.on('data', (b) => (out += b));
    try {
      await waitFor(() => refusals() === 1, 'the first page of audit tail -f');
      await refuse();
      await waitFor(() => refusals() === 2, 'audit tail -f to print the new record');
    } finally {
      child.kill();
    }
    expect(refusals()).toBe(2);
    const lines = out.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^SEQ\s+TIME\s+EVENT\s+DETAILS$/);
    expect(lines.filter((l) => l.startsWith('SEQ'))).toHaveLength(1);
    // Both refusals (one from the first page, one followed) sit under EVENT and DETAILS.
    const refused = lines.filter((l) => l.includes('request.refused'));
    expect(refused).toHaveLength(2);
    for (const line of refused) {
      expect(line.indexOf('request.refused')).toBe(lines[0]!.indexOf('EVENT'));
      expect(line.indexOf('{')).toBe(lines[0]!.indexOf('DETAILS'));
      expect(line).toMatch(/^\d+\s+(just now|\d+ s ago)\s/);
    }
  });
});
