/**
 * How a client's project is named from a folder or a root URI (the shim, and /mcp for a
 * client on this machine): the git work tree's top folder (a `.git` directory, or the
 * `.git` file of a worktree or submodule), else the folder itself; nothing for the home
 * folder, `/`, or a root that is not a local folder. A root from another machine is
 * named from its path's text alone.
 */
import { mkdirSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  folderOfRootUri,
  gitTopLevel,
  projectOfFolder,
  projectOfRoots,
  projectOfRootText,
} from '../../src/mcp/project-root.js';
import { tempDir } from '../helpers/daemon.js';

describe('the project of a folder', () => {
  it('is the git top level for any subfolder, the folder itself outside git, none at home or /', () => {
    const base = realpathSync(tempDir('aistack-root-'));
    const repo = join(base, 'repo');
    const deep = join(repo, 'a', 'b', 'c');
    mkdirSync(deep, { recursive: true });
    mkdirSync(join(repo, '.git'));
    expect(projectOfFolder(deep, '/nonexistent-home')).toEqual({ name: 'repo', root: repo });
    expect(projectOfFolder(repo, '/nonexistent-home')).toEqual({ name: 'repo', root: repo });

    // A worktree: `.git` is a file; it is the top level of its own tree.
    const wt = join(base, 'wt');
    mkdirSync(join(wt, 'src'), { recursive: true });
    writeFileSync(join(wt, '.git'), `gitdir: ${repo}/.git/worktrees/wt\n`);
    expect(gitTopLevel(join(wt, 'src'))).toBe(wt);

    const plain = join(base, 'plain');
    mkdirSync(plain);
    expect(projectOfFolder(plain, '/nonexistent-home')).toEqual({ name: 'plain', root: plain });
    // Through a symlink, the same project as the real folder.
    const link = join(base, 'link');
    symlinkSync(deep, link);
    expect(projectOfFolder(link, '/nonexistent-home')).toEqual({ name: 'repo', root: repo });

    expect(projectOfFolder(plain, plain)).toBeUndefined();
    expect(projectOfFolder('/', '/nonexistent-home')).toBeUndefined();
    expect(projectOfFolder('relative/dir')).toBeUndefined();
  });

  it('takes the first local root; ignores roots that are not file URIs', () => {
    const base = realpathSync(tempDir('aistack-root-'));
    const one = join(base, 'one');
    mkdirSync(one);
    expect(folderOfRootUri('https://example.com/x')).toBeUndefined();
    expect(folderOfRootUri('file:///tmp/x%20y')).toBe('/tmp/x y');
    const roots = [{ uri: 'https://example.com/repo' }, { uri: pathToFileURL(one).href }];
    expect(projectOfRoots(roots, '/nonexistent-home')).toEqual({ name: 'one', root: one });
    expect(projectOfRoots([], '/nonexistent-home')).toBeUndefined();
  });
});

describe('the project of a root from another machine (path text only)', () => {
  it('names the folder as given, touching no file system; none for /, drive roots and homes', () => {
    // Paths that do not exist here: nothing is looked up, nothing is resolved.
    expect(projectOfRootText([{ uri: 'file:///nowhere/x/app/' }])).toEqual({
      name: 'app',
      root: '/nowhere/x/app',
    });
    expect(projectOfRootText([{ uri: 'file:///srv/a/../b/my%20repo' }])).toEqual({
      name: 'my repo',
      root: '/srv/b/my repo',
    });
    expect(projectOfRootText([{ uri: 'file:///C:/Users/bob/code/app' }])).toEqual({
      name: 'app',
      root: '/C:/Users/bob/code/app',
    });
    // A host in the URI names the other machine; the path still names the folder.
    expect(projectOfRootText([{ uri: 'file://laptop/home/bob/app' }])).toEqual({
      name: 'app',
      root: '/home/bob/app',
    });
    for (const uri of [
      'file:///',
      'file:///home/bob',
      'file:///home/bob/',
      'file:///Users/alice',
      'file:///root',
      'file:///C:/',
      'file:///C:/Users/bob',
    ])
      expect(projectOfRootText([{ uri }]), uri).toBeUndefined();
    expect(projectOfRootText([{ uri: 'https://example.com/x' }, { uri: 'file:///w/app' }])).toEqual(
      { name: 'app', root: '/w/app' },
    );
    expect(projectOfRootText([{ uri: 'not a uri' }])).toBeUndefined();
    expect(projectOfRootText([])).toBeUndefined();
  });
});
