import {
  chmodSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  beginReplace,
  checkOnlyYouWrite,
  UnsafeFileError,
  writeFileReplacing,
} from '../../src/core/private-file.js';
import { cleanupAll, tempDir } from '../helpers/daemon.js';

afterEach(cleanupAll);

const mode = (p: string) => statSync(p).mode & 0o777;

describe('writing a file through a temp file and a rename', () => {
  it('creates the file with exactly the mode asked for, 0600 by default', () => {
    const dir = tempDir();
    const previous = process.umask(0o000);
    try {
      writeFileReplacing(join(dir, 'a'), 'one');
      writeFileReplacing(join(dir, 'b'), 'two', { mode: 0o644 });
    } finally {
      process.umask(previous);
    }
    expect(mode(join(dir, 'a'))).toBe(0o600);
    expect(mode(join(dir, 'b'))).toBe(0o644);
    expect(readFileSync(join(dir, 'b'), 'utf8')).toBe('two');
  });

  it('leaves nothing at the target until commit, and nothing at all after abort', () => {
    const dir = tempDir();
    const target = join(dir, 'out');
    const file = beginReplace(target);
    file.write('partial');
    expect(readdirSync(dir)).toEqual([file.tempPath.slice(dir.length + 1)]);
    expect(mode(file.tempPath)).toBe(0o600);
    file.abort();
    expect(readdirSync(dir)).toEqual([]);
  });

  it('refuses a symlink, a directory and a looser file, naming the path', () => {
    const dir = tempDir();
    const victim = join(dir, 'victim');
    writeFileSync(victim, 'keep');
    symlinkSync(victim, join(dir, 'link'));
    mkdirSync(join(dir, 'sub'));
    writeFileSync(join(dir, 'loose'), 'keep');
    chmodSync(join(dir, 'loose'), 0o640);
    expect(() => writeFileReplacing(join(dir, 'link'), 'x', { what: 'export file' })).toThrow(
      /refusing to write export file .*link: it is a symbolic link to .*victim/,
    );
    expect(() => writeFileReplacing(join(dir, 'sub'), 'x')).toThrow(/not a regular file/);
    expect(() => writeFileReplacing(join(dir, 'loose'), 'x')).toThrow(UnsafeFileError);
    expect(() => writeFileReplacing(join(dir, 'loose'), 'x')).toThrow(/mode 0640, looser/);
    // Looser than 0600, but not than 0644: a service file may replace it.
    writeFileReplacing(join(dir, 'loose'), 'new', { mode: 0o644 });
    expect(readFileSync(victim, 'utf8')).toBe('keep');
    expect(readdirSync(dir).sort()).toEqual(['link', 'loose', 'sub', 'victim']);
  });

  it('refuses at commit a target that turned into a symlink meanwhile, and cleans up', () => {
    const dir = tempDir();
    const victim = join(dir, 'victim');
    writeFileSync(victim, 'keep');
    const file = beginReplace(join(dir, 'out'));
    file.write('data');
    symlinkSync(victim, join(dir, 'out'));
    expect(() => file.commit()).toThrow(/symbolic link/);
    expect(readFileSync(victim, 'utf8')).toBe('keep');
    expect(readdirSync(dir).sort()).toEqual(['out', 'victim']);
  });
});

describe('a directory for appended files', () => {
  it('passes a private directory and refuses one others may write to, or a symlink', () => {
    const dir = tempDir();
    chmodSync(dir, 0o700);
    expect(() => checkOnlyYouWrite(dir, 'the log file')).not.toThrow();
    expect(() => checkOnlyYouWrite(join(dir, 'missing'), 'the log file')).not.toThrow();
    chmodSync(dir, 0o1777);
    expect(() => checkOnlyYouWrite(dir, 'the log file')).toThrow(
      /refusing to write the log file in .*: mode 0777 lets others create files there/,
    );
    const real = tempDir();
    symlinkSync(real, join(real, 'alias'));
    expect(() => checkOnlyYouWrite(join(real, 'alias'), 'the log file')).toThrow(/symbolic link/);
  });
});
