/** What a write gives the memory store, and what the store tells its listeners. */
export interface WriteInput {
  namespace: string;
  key: string;
  content: string;
  metadata: Record<string, unknown>;
  tags: string[];
  agentId: string | null;
  sessionId: string | null;
  /** Write only if the entry is at this version (0: absent); else CONFLICT, nothing written. */
  expectedVersion?: number | undefined;
  /**
   * When it expires (ms since the epoch); null never. Left out (undefined), an update keeps
   * the entry's expiry as it is (append, restore) and a new entry never expires.
   */
  expiresAt?: number | null | undefined;
}

/**
 * What changed, told to listeners inside the write's transaction (the embeddings keep
 * their in-memory index and their queue in step with the table through this).
 */
export type EntryChange =
  | { kind: 'written'; rowid: number; namespace: string; key: string; contentChanged: boolean }
  | { kind: 'deleted'; rowid: number; namespace: string; key: string }
  | { kind: 'namespace-deleted'; namespace: string };

export type EntryListener = (change: EntryChange) => void;
