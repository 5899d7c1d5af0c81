/**
 * Which /mcp clients are on this machine: only a loopback TCP peer (IPv4 127/8, IPv6
 * ::1, or IPv4-mapped 127/8) may have its roots looked up in the daemon's file system;
 * every other address, and none at all, names projects from the path text only.
 */
import { describe, expect, it } from 'vitest';
import { isLoopback } from '../../src/daemon/mcp-http/mcp-sessions.js';

describe('isLoopback', () => {
  it('is true for loopback peers only', () => {
    for (const a of ['127.0.0.1', '127.1.2.3', '::1', '::ffff:127.0.0.1'])
      expect(isLoopback(a), a).toBe(true);
    for (const a of [
      undefined,
      '',
      '10.0.0.5',
      '192.168.1.2',
      '::ffff:10.0.0.1',
      'fe80::1',
      '::2',
      '128.0.0.1',
      '1127.0.0.1',
    ])
      expect(isLoopback(a), String(a)).toBe(false);
  });
});
