/**
 * Key rotation reminders. The ledger remembers each provider key's fingerprint (a
 * SHA-256, never the key) and when it was first seen; a new fingerprint is a rotation.
 * A key older than `security.keyRotationDays` is reported in the log, the audit log and
 * `system.status` (and by `aistack doctor`).
 */
import type Database from 'better-sqlite3';
import type { Logger } from 'pino';
import type { ProviderName } from '../../protocol/provider.js';
import type { AuditSink } from '../audit/audit-sink.js';
import { fingerprint } from './key-fingerprint.js';

const DAY = 86_400_000;

export interface KeyStatus {
  provider: ProviderName;
  fingerprint: string;
  firstSeenAt: string;
  ageDays: number;
  rotationDue: boolean;
  rotatedAt: string | null;
}

interface Row {
  provider: string;
  fingerprint: string;
  first_seen_at: number;
  rotated_at: number | null;
}

export class KeyLedger {
  private readonly get;
  private readonly upsert;
  private readonly byFingerprint;
  private latest: KeyStatus[] = [];

  constructor(
    db: Database.Database,
    private readonly deps: { audit: AuditSink; logger: Logger; now: () => number },
  ) {
    this.get = db.prepare('SELECT * FROM provider_keys WHERE provider = ?');
    this.upsert =
      db.prepare(`INSERT INTO provider_keys (provider, fingerprint, first_seen_at, rotated_at)
      VALUES (@provider, @fingerprint, @first_seen_at, @rotated_at)
      ON CONFLICT (provider) DO UPDATE SET fingerprint = excluded.fingerprint,
        first_seen_at = excluded.first_seen_at, rotated_at = excluded.rotated_at`);
    this.byFingerprint = db
      .prepare('SELECT first_seen_at FROM provider_keys WHERE fingerprint = ?')
      .pluck();
  }

  /** When the key with this full fingerprint was first seen, for provider.list. */
  firstSeen(full: string): Date | undefined {
    const at = this.byFingerprint.get(full) as number | undefined;
    return at === undefined ? undefined : new Date(at);
  }

  /** Records first sightings and rotations, and reports keys due for rotation. */
  check(
    keys: { provider: ProviderName; apiKey: string | undefined }[],
    rotationDays: number,
  ): KeyStatus[] {
    const now = this.deps.now();
    const out: KeyStatus[] = [];
    for (const { provider, apiKey } of keys) {
      if (!apiKey) continue;
      const fp = fingerprint(apiKey);
      let row = this.get.get(provider) as Row | undefined;
      if (!row || row.fingerprint !== fp) {
        const rotated = row !== undefined;
        row = { provider, fingerprint: fp, first_seen_at: now, rotated_at: rotated ? now : null };
        this.upsert.run(row);
        this.deps.audit.record(rotated ? 'key.rotated' : 'key.first_seen', {
          provider,
          fingerprint: fp.slice(0, 12),
        });
      }
      const ageDays = Math.floor((now - row.first_seen_at) / DAY);
      const status: KeyStatus = {
        provider,
        fingerprint: fp.slice(0, 12),
        firstSeenAt: new Date(row.first_seen_at).toISOString(),
        ageDays,
        rotationDue: ageDays >= rotationDays,
        rotatedAt: row.rotated_at === null ? null : new Date(row.rotated_at).toISOString(),
      };
      if (status.rotationDue) {
        this.deps.logger.warn(
          { provider, fingerprint: status.fingerprint, ageDays },
          `the ${provider} API key is ${ageDays} days old (rotation period ${rotationDays} days): create a new key, update the environment, and revoke the old one`,
        );
        this.deps.audit.record('key.rotation_due', {
          provider,
          fingerprint: status.fingerprint,
          ageDays,
          rotationDays,
        });
      }
      out.push(status);
    }
    this.latest = out;
    return out;
  }

  /** The result of the last check, for system.status. */
  status(): KeyStatus[] {
    return this.latest;
  }
}
