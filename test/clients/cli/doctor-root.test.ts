/**
 * The root check knows containers: the evidence each runtime leaves is found, and root
 * in a container gets the container's fix (a USER line), not systemd advice.
 */
import { describe, expect, it } from 'vitest';
import {
  containerEvidence,
  notRoot,
  type ContainerProbe,
} from '../../../src/clients/cli/doctor-root.js';

function probe(files: Record<string, string>, env: NodeJS.ProcessEnv = {}): ContainerProbe {
  return { exists: (p) => p in files, read: (p) => files[p], env };
}

describe('doctor: root and containers', () => {
  it('finds Docker, Podman, nspawn/LXC and Kubernetes, and nothing on a plain host', () => {
    expect(containerEvidence(probe({ '/.dockerenv': '' }))).toBe('found /.dockerenv');
    expect(containerEvidence(probe({ '/run/.containerenv': '' }))).toBe('found /run/.containerenv');
    expect(containerEvidence(probe({}, { container: 'systemd-nspawn' }))).toBe(
      'container=systemd-nspawn',
    );
    expect(
      containerEvidence(probe({ '/proc/1/cgroup': '0::/kubepods/besteffort/pod1/abc\n' })),
    ).toBe('/proc/1/cgroup names kubepods');
    expect(containerEvidence(probe({ '/proc/1/cgroup': '0::/init.scope\n' }))).toBeUndefined();
  });

  it('root in a container: the risk and a USER line; root on a host: the systemd unit', () => {
    const inBox = notRoot(0, 'found /.dockerenv');
    expect(inBox).toMatchObject({ verdict: 'FAIL' });
    expect(inBox.detail).toMatch(/inside a container \(found \/\.dockerenv\).*root on the host/);
    expect(inBox.fix).toMatch(/`USER` line/);
    expect(inBox.fix).not.toMatch(/systemd/);
    expect(notRoot(0, undefined).fix).toMatch(/aistack@USER\.service/);
    expect(notRoot(1000, 'found /.dockerenv')).toMatchObject({ verdict: 'PASS' });
    expect(notRoot(undefined)).toMatchObject({ verdict: 'SKIP' });
  });
});
