/**
 * Six `aistack mcp` shims started at once against no daemon: each may spawn one, the
 * socket's instance lock lets exactly one daemon win, and only the shim whose daemon won
 * says it started it; the other five say they found it running, naming the same pid.
 */
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { lockHolder, socketLockPath } from '../../src/core/lock-file.js';
import { connectTo, registerCleanup, tempDir } from '../helpers/daemon.js';
import { closeShimsAndCleanup, spawnShim } from '../helpers/mcp.js';
import { isRunning } from '../helpers/processes.js';
import { waitFor } from '../helpers/wait.js';

afterEach(closeShimsAndCleanup);

describe('six shims autostarting at once', () => {
  it('only the one that really started the daemon says so', async () => {
    const dir = tempDir();
    const socketPath = join(dir, 'run', 'aistack.sock');
    const dataDir = join(dir, 'data');
    registerCleanup(() => {
      const pid = lockHolder(socketLockPath(socketPath));
      if (pid !== undefined) process.kill(pid, 'SIGKILL');
    });
    const env = { HOME: dir, XDG_CONFIG_HOME: join(dir, 'xdg-config') };
    const shims = await Promise.all(
      Array.from({ length: 6 }, () =>
        spawnShim({ socketPath, dataDir, autostart: true, env, listTools: false }),
      ),
    );
    // Each shim has its session (initialize waits for it), so each has reached a daemon.
    for (const s of shims) expect((await s.call('session_active')).isError).toBeFalsy();

    const c = await connectTo({ socketPath, dataDir });
    const { pid } = await c.call('system.status');
    c.close();
    const started = shims.filter((s) => /started it in the background/.test(s.stderr()));
    const found = shims.filter((s) => /found the daemon running/.test(s.stderr()));
    const said = (s: (typeof shims)[number]) => s.stderr().match(/\(pid (\d+), socket /)?.[1];
    expect(started).toHaveLength(1);
    expect(found.length + started.length).toBeLessThanOrEqual(6);
    expect(said(started[0]!)).toBe(String(pid));
    for (const s of found) expect(said(s)).toBe(String(pid));
    // A shim that came late found the socket answering and started nothing, so said nothing.
    for (const s of shims.filter((x) => !started.includes(x) && !found.includes(x)))
      expect(s.stderr()).not.toMatch(/pid \d+/);
    expect(shims.map((s) => s.stderr()).join('')).not.toMatch(/could not start/);

    // The losers' daemons were refused by the lock and are gone; one daemon serves.
    const spawned = shims.flatMap((s) => [...s.stderr().matchAll(/pid (\d+)/g)].map((m) => m[1]));
    expect(new Set(spawned)).toEqual(new Set([String(pid)]));
    await waitFor(() => isRunning(pid), 'the daemon to be running');
  });
});
