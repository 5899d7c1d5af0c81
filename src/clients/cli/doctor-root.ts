/**
 * `aistack doctor`'s root check, which knows containers: as root in a container the
 * risk and the fix differ from a host's (a `USER` line in the image, not a systemd unit),
 * so the container is detected the way its runtimes mark it.
 */
import { existsSync, readFileSync } from 'node:fs';
import type { Check } from './doctor-checks.js';

/** `uid` undefined: no daemon to ask; null: the daemon could not tell (no getuid). */
export function notRoot(uid: number | null | undefined, container?: string): Check {
  if (uid === undefined) return { id: 'root', verdict: 'SKIP', detail: 'daemon not running' };
  if (uid === null)
    return { id: 'root', verdict: 'PASS', detail: 'not applicable on this platform (no user ids)' };
  if (uid === 0 && container) {
    return {
      id: 'root',
      verdict: 'FAIL',
      detail: `the daemon runs as root inside a container (${container}): anything that gets control of it (a plugin, a bug in a dependency) is root in the container, owns every file there, and is one kernel bug or one risky mount away from root on the host`,
      fix: 'run it as an ordinary user: add a `USER` line to the image after installing (e.g. `RUN useradd -m aistack` then `USER aistack`), or start the container with `--user 1000:1000`; give that user the data directory (chown -R)',
    };
  }
  if (uid === 0)
    return {
      id: 'root',
      verdict: 'FAIL',
      detail: 'the daemon runs as root',
      fix: 'run it as an ordinary user (systemd: aistack@USER.service)',
    };
  return { id: 'root', verdict: 'PASS', detail: `the daemon runs as uid ${uid}` };
}

export interface ContainerProbe {
  exists(path: string): boolean;
  read(path: string): string | undefined;
  env: NodeJS.ProcessEnv;
}

const hostProbe: ContainerProbe = {
  exists: existsSync,
  read: (path) => {
    try {
      return readFileSync(path, 'utf8').slice(0, 65_536);
    } catch {
      return undefined;
    }
  },
  env: process.env,
};

/** What shows this runs in a container (Docker, Podman, systemd-nspawn, LXC, Kubernetes), or undefined. */
export function containerEvidence(probe: ContainerProbe = hostProbe): string | undefined {
  if (probe.exists('/.dockerenv')) return 'found /.dockerenv';
  if (probe.exists('/run/.containerenv')) return 'found /run/.containerenv';
  // systemd-nspawn, Podman and LXC set $container for the container's init.
  if (probe.env.container) return `container=${probe.env.container}`;
  const cgroup = probe.read('/proc/1/cgroup');
  const m = cgroup && /\b(docker|kubepods|containerd|libpod|lxc)\b/.exec(cgroup);
  if (m) return `/proc/1/cgroup names ${m[1]}`;
  return undefined;
}
