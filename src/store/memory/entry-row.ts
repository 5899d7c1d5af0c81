/**
 * A memory entry as the table holds it and as callers see it, and the SQL fragments
 * every read of whole entries shares (the column list, the lookup by a list of rowids).
 */
export interface EntryRow {
  rowid: number;
  id: string;
  namespace: string;
  key: string;
  content: string;
  metadata: string;
  tags: string;
  agent_id: string | null;
  session_id: string | null;
  created_at: number;
  updated_at: number;
  version: number;
  expires_at: number | null;
}

export interface Entry {
  id: string;
  key: string;
  namespace: string;
  content: string;
  metadata: Record<string, unknown>;
  tags: string[];
  agentId: string | null;
  sessionId: string | null;
  createdAt: string;
  updatedAt: string;
  version: number;
  /** When it expires (set by ttlSeconds or expiresAt); absent for an entry that never does. */
  expiresAt?: string;
}

export function toEntry(row: EntryRow): Entry {
  const entry: Entry = {
    id: row.id,
    key: row.key,
    namespace: row.namespace,
    content: row.content,
    metadata: JSON.parse(row.metadata) as Record<string, unknown>,
    tags: JSON.parse(row.tags) as string[],
    agentId: row.agent_id,
    sessionId: row.session_id,
    createdAt: new Date(row.created_at).toISOString(),
    updatedAt: new Date(row.updated_at).toISOString(),
    version: row.version,
  };
  // Added after the literal rather than spread into it: a spread copies on every call.
  if (row.expires_at != null) entry.expiresAt = new Date(row.expires_at).toISOString();
  return entry;
}

export const COLUMNS =
  'e.rowid, e.id, e.namespace, e.key, e.content, e.metadata, e.tags, e.agent_id, e.session_id, e.created_at, e.updated_at, e.version, e.expires_at';

/**
 * The entries whose rowids are in a JSON array (the first parameter), each looked up by
 * rowid: CROSS JOIN keeps SQLite from scanning a whole namespace's index instead when
 * the scope names one.
 */
export const BY_ROWID = 'json_each(?) j CROSS JOIN memory_entries e ON e.rowid = j.value';
