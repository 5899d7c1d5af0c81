import { existsSync, readFileSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { acquireLock } from '../../src/daemon/instance-lock.js';
import { cleanupAll, tempDir } from '../helpers/daemon.js';

afterEach(cleanupAll);

describe('instance lock', () => {
  it('releases only the lock file it created, never one put at the path since', () => {
    const path = join(tempDir(), 'aistackd.lock');
    const first = acquireLock(path, 'test');
    unlinkSync(path); // its directory wiped, say
    // Same pid (one test process), so only the file's identity tells the two apart.
    const second = acquireLock(path, 'test');
    first.release();
    expect(readFileSync(path, 'utf8')).toBe(`${process.pid}\n`);
    second.release();
    expect(existsSync(path)).toBe(false);
  });
});
