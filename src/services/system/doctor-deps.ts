/**
 * `system.doctor`'s dependency checks, about the daemon's own process: the Node.js it
 * runs on against that line's end of life, the SQLite compiled into better-sqlite3
 * against a minimum, and the native module (the addon file it loaded is still the one on
 * disk, so the next start will load it too). Pure functions of what they are given, so
 * tests can hand them any version and any date.
 */
import { statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { DoctorCheck } from '../../protocol/doctor.js';

const DAY_MS = 86_400_000;
/** Warn this long before a Node line's end of life. */
export const EOL_NOTICE_DAYS = 90;

/**
 * End of life of each Node.js major line (nodejs.org/en/about/previous-releases, the
 * Release working group's schedule). Even lines are LTS for 30 months; odd ones live
 * about 8 months. A major not listed is newer than this table: no date known.
 */
export const NODE_EOL: Readonly<Record<number, string>> = {
  16: '2023-09-11',
  17: '2022-06-01',
  18: '2025-04-30',
  19: '2023-06-01',
  20: '2026-04-30',
  21: '2024-06-01',
  22: '2027-04-30',
  23: '2025-06-01',
  24: '2028-04-30',
  25: '2026-06-01',
  26: '2029-04-30',
};

/**
 * The oldest SQLite accepted: 3.50.2 fixes CVE-2025-6965 (memory corruption when a query
 * has more aggregate terms than there are columns, reachable from SQL text alone), and it
 * has everything aistack's schema relies on (FTS5, STRICT tables since 3.37,
 * pragma_table_list since 3.37, built-in JSON since 3.38).
 */
export const MIN_SQLITE = '3.50.2';

const pass = (name: string, detail: string): DoctorCheck => ({
  name,
  status: 'PASS',
  detail,
  fix: null,
});

const NODE_FIX =
  'install a supported Node.js LTS (22 or 24), run `npm rebuild better-sqlite3` in the aistack directory, then restart the daemon (aistack daemon restart, or reinstall the service so it points at the new node)';

export function nodeEolCheck(version: string, now: number): DoctorCheck {
  const major = Number(version.replace(/^v/, '').split('.')[0]);
  const eol = NODE_EOL[major];
  if (!eol) {
    return major > Math.max(...Object.keys(NODE_EOL).map(Number))
      ? pass('node-eol', `Node.js ${version}: newer than this aistack's end-of-life table`)
      : {
          name: 'node-eol',
          status: 'FAIL',
          detail: `Node.js ${version} is unsupported`,
          fix: NODE_FIX,
        };
  }
  const days = Math.floor((Date.parse(`${eol}T00:00:00Z`) - now) / DAY_MS);
  if (days < 0)
    return {
      name: 'node-eol',
      status: 'WARN',
      detail: `Node.js ${version}: its line reached end of life on ${eol} and gets no security fixes`,
      fix: NODE_FIX,
    };
  if (days <= EOL_NOTICE_DAYS)
    return {
      name: 'node-eol',
      status: 'WARN',
      detail: `Node.js ${version}: its line reaches end of life on ${eol} (in ${days} days)`,
      fix: NODE_FIX,
    };
  return pass('node-eol', `Node.js ${version}, supported until ${eol}`);
}

/** -1, 0 or 1 as dotted version `a` is older than, equal to or newer than `b`. */
export function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return Math.sign(d);
  }
  return 0;
}

export function sqliteCheck(version: string, betterSqlite: string): DoctorCheck {
  if (compareVersions(version, MIN_SQLITE) < 0)
    return {
      name: 'sqlite',
      status: 'FAIL',
      detail: `SQLite ${version} (in better-sqlite3 ${betterSqlite}) is older than ${MIN_SQLITE}, which fixes CVE-2025-6965`,
      fix: 'update better-sqlite3 (npm install better-sqlite3@latest, or pull a newer aistack), then restart the daemon',
    };
  return pass(
    'sqlite',
    `SQLite ${version} (better-sqlite3 ${betterSqlite}), minimum ${MIN_SQLITE}`,
  );
}

export interface AddonFacts {
  betterSqlite: string;
  /** process.versions.modules: the ABI the loaded addon was built for. */
  abi: string;
  node: string;
  path: string;
  /** The addon file when the daemon loaded it, and now (null: gone). */
  atStart: { ino: number; mtimeMs: number } | null;
  now: { ino: number; mtimeMs: number } | null;
}

export function nativeModuleCheck(f: AddonFacts): DoctorCheck {
  const loaded = `better-sqlite3 ${f.betterSqlite} loaded in Node.js ${f.node} (ABI ${f.abi})`;
  if (f.atStart && (!f.now || f.now.ino !== f.atStart.ino || f.now.mtimeMs !== f.atStart.mtimeMs))
    return {
      name: 'native-module',
      status: 'WARN',
      detail: `${loaded}, but ${f.path} was ${f.now ? 'rebuilt' : 'removed'} since the daemon started: the next start loads ${f.now ? 'that build, which may be for another Node.js' : 'nothing and fails'}`,
      fix: 'restart the daemon now (aistack daemon restart) to find out while you are here; if it fails with NODE_MODULE_VERSION, run `npm rebuild better-sqlite3` with the node the service runs',
    };
  return pass('native-module', `${loaded}; the addon on disk is the one loaded`);
}

const require = createRequire(import.meta.url);

function addonPath(): string {
  return join(
    dirname(require.resolve('better-sqlite3/package.json')),
    'build',
    'Release',
    'better_sqlite3.node',
  );
}

function identity(path: string): { ino: number; mtimeMs: number } | null {
  try {
    const st = statSync(path);
    return { ino: st.ino, mtimeMs: st.mtimeMs };
  } catch {
    return null;
  }
}

/** Read when this module loads, which is when the daemon starts (it loads the addon then too). */
const ADDON_AT_START = (() => {
  try {
    const path = addonPath();
    return { path, id: identity(path) };
  } catch {
    return { path: 'better-sqlite3', id: null };
  }
})();

/** The facts about the addon in this process. */
export function addonFacts(): AddonFacts {
  let betterSqlite = 'unknown';
  try {
    betterSqlite = (require('better-sqlite3/package.json') as { version: string }).version;
  } catch {
    /* reported as unknown */
  }
  return {
    betterSqlite,
    abi: process.versions.modules,
    node: process.versions.node,
    path: ADDON_AT_START.path,
    atStart: ADDON_AT_START.id,
    now: identity(ADDON_AT_START.path),
  };
}
