/**
 * SQL for plugin approvals and the plugin registry. Parameterized statements only.
 * The registry is capped per plugin so a plugin that fails on every reload cannot grow
 * the table without bound; the audit log keeps the full history.
 */
import type Database from 'better-sqlite3';

export interface ApprovalRow {
  name: string;
  hash: string;
  manifest: string;
  approved_at: number;
}

export type PluginEventKind = 'loaded' | 'refused' | 'failed' | 'approved' | 'revoked';

export interface PluginEventRow {
  id: number;
  at: number;
  plugin: string;
  event: PluginEventKind;
  reason: string | null;
  hash: string | null;
}

/** Registry rows kept per plugin. */
const KEEP_PER_PLUGIN = 1000;

export class PluginStore {
  private readonly s;

  constructor(db: Database.Database) {
    this.s = {
      approve: db.prepare(`INSERT INTO plugin_approvals (name, hash, manifest, approved_at)
        VALUES (?, ?, ?, ?)
        ON CONFLICT (name) DO UPDATE SET hash = excluded.hash, manifest = excluded.manifest,
          approved_at = excluded.approved_at`),
      revoke: db.prepare('DELETE FROM plugin_approvals WHERE name = ?'),
      approval: db.prepare('SELECT * FROM plugin_approvals WHERE name = ?'),
      approvals: db.prepare('SELECT * FROM plugin_approvals ORDER BY name'),
      event: db.prepare(
        'INSERT INTO plugin_events (at, plugin, event, reason, hash) VALUES (?, ?, ?, ?, ?)',
      ),
      trim: db.prepare(`DELETE FROM plugin_events WHERE plugin = ? AND id <= (
        SELECT id FROM plugin_events WHERE plugin = ? ORDER BY id DESC LIMIT 1 OFFSET ?)`),
      events: db.prepare('SELECT * FROM plugin_events ORDER BY id DESC LIMIT ?'),
      eventsOf: db.prepare('SELECT * FROM plugin_events WHERE plugin = ? ORDER BY id DESC LIMIT ?'),
    };
  }

  approve(row: ApprovalRow): void {
    this.s.approve.run(row.name, row.hash, row.manifest, row.approved_at);
  }

  revoke(name: string): boolean {
    return this.s.revoke.run(name).changes > 0;
  }

  approval(name: string): ApprovalRow | undefined {
    return this.s.approval.get(name) as ApprovalRow | undefined;
  }

  approvals(): ApprovalRow[] {
    return this.s.approvals.all() as ApprovalRow[];
  }

  record(row: Omit<PluginEventRow, 'id'>): void {
    this.s.event.run(row.at, row.plugin, row.event, row.reason, row.hash);
    this.s.trim.run(row.plugin, row.plugin, KEEP_PER_PLUGIN);
  }

  /** Newest first. */
  events(plugin: string | undefined, limit: number): PluginEventRow[] {
    return (
      plugin === undefined ? this.s.events.all(limit) : this.s.eventsOf.all(plugin, limit)
    ) as PluginEventRow[];
  }
}
