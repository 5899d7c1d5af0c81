/**
 * The daemon describing itself: status, health, method catalogue, shutdown, reload.
 * The daemon supplies the live numbers through `SystemSources`; this module only
 * shapes them.
 */
import type Database from 'better-sqlite3';
import type { ConfigValue } from '../../config/diff.js';
import type { InsecureTransport } from '../../config/transport-security.js';
import type { HttpStatus } from '../../protocol/http.js';
import type { StorageHealth } from '../../store/checkpoint.js';
import type { KeyStatus } from '../providers/key-ledger.js';

export interface SystemSources {
  version: string;
  startedAt: number;
  socketPath: string;
  dataDir: string;
  dbPath: string;
  configFile: string | undefined;
  db: Database.Database;
  requestCounts(): RequestCounts;
  /** Database and WAL sizes and the last checkpoint. */
  storage(): StorageHealth;
  /** Provider keys by fingerprint and age (never the keys). */
  keys(): KeyStatus[];
  /** Plain-http providers and disabled TLS checks in force. */
  insecureTransport(): InsecureTransport[];
  connections(): { current: number; max: number };
  /** Which optional features the configuration in force now allows. */
  features(): { github: boolean; providers: boolean };
  /** The HTTP front door: on or off, and where it listens. */
  http(): HttpStatus;
  shutdown(): void;
  reloadConfig(): Promise<ConfigReloadResult>;
}

export interface RequestCounts {
  total: { requests: number; errors: number };
  byMethod: Record<string, { requests: number; errors: number }>;
}

export interface ConfigReloadResult {
  /** The config file read; null when running on defaults. */
  file: string | null;
  changed: { path: string; from: ConfigValue; to: ConfigValue; appliedLive: boolean }[];
}

export class SystemService {
  constructor(private readonly src: SystemSources) {}

  status() {
    const s = this.src;
    return {
      version: s.version,
      pid: process.pid,
      node: process.version,
      uptimeSeconds: Math.round((Date.now() - s.startedAt) / 1000),
      startedAt: new Date(s.startedAt).toISOString(),
      socket: s.socketPath,
      dataDir: s.dataDir,
      configFile: s.configFile ?? null,
      database: s.storage(),
      uid: process.getuid?.() ?? null,
      memoryRssBytes: process.memoryUsage.rss(),
      connections: s.connections(),
      requests: s.requestCounts(),
      keys: s.keys(),
      insecureTransport: s.insecureTransport(),
      features: s.features(),
    };
  }

  httpStatus(): HttpStatus {
    return this.src.http();
  }

  health() {
    const problems: string[] = [];
    try {
      this.src.db.prepare('SELECT 1').get();
      this.src.db.prepare('SELECT count(*) FROM schema_migrations').get();
    } catch (err) {
      problems.push(`database: ${(err as Error).message}`);
    }
    return { ok: problems.length === 0, problems };
  }

  shutdown() {
    setImmediate(() => this.src.shutdown());
    return { stopping: true as const, pid: process.pid };
  }

  reloadConfig(): Promise<ConfigReloadResult> {
    return this.src.reloadConfig();
  }
}
