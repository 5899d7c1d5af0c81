/**
 * Which entries a read may see, in one place for every read path: `whereClause` turns a
 * Scope and filters into SQL (table alias `e`) for the full-text, list and vector
 * queries, and `scopeAllows` is the same namespace rule as a predicate, for the
 * in-memory vector index to skip what a caller may not see. The SQL is what guards the
 * rows; the predicate only saves work, so both must say the same thing.
 */

/**
 * Which namespaces a read may touch: exactly `namespace` when given (the caller has
 * already been allowed it), else every shared namespace plus `ownNamespace`. With
 * `namespace`, `ownNamespace` (when set) still names the caller's own namespace, for
 * what is computed over everything the caller may read (search statistics).
 */
export interface Scope {
  namespace?: string | undefined;
  ownNamespace?: string | undefined;
}

export interface Filters {
  tags?: string[] | undefined;
  agentId?: string | undefined;
  /** With agentId: also entries that belong to no agent. */
  includeShared?: boolean | undefined;
}

/** Namespaces that belong to one session; every other namespace is shared. */
const SESSION_PREFIX = 'session:';

/** True for a namespace that belongs to one session (only that session may read it). */
export const isPrivateNamespace = (namespace: string) => namespace.startsWith(SESSION_PREFIX);

/** True when a read with `scope` may see entries of `namespace` (the namespace part of whereClause). */
export function scopeAllows(scope: Scope, namespace: string): boolean {
  if (scope.namespace !== undefined) return namespace === scope.namespace;
  return !isPrivateNamespace(namespace) || namespace === scope.ownNamespace;
}

/**
 * Everything the caller of `scope` may read, whatever one namespace it narrows to: every
 * shared namespace plus its own. Search statistics are computed over this, so that they
 * are the same for every search by the same caller and depend on nothing it cannot see.
 */
export function readableScope(scope: Scope): Scope {
  const own =
    scope.namespace !== undefined && isPrivateNamespace(scope.namespace)
      ? scope.namespace
      : scope.ownNamespace;
  return { ownNamespace: own };
}

/** True when the filters narrow beyond the namespace (tags or agent). */
export const hasFilters = (filters: Filters) =>
  filters.agentId !== undefined || (filters.tags?.length ?? 0) > 0;

/** WHERE fragments and their parameters for a scope and filters (table alias `e`). */
export function whereClause(scope: Scope, filters: Filters): { sql: string; params: unknown[] } {
  const parts: string[] = [];
  const params: unknown[] = [];
  if (scope.namespace !== undefined) {
    parts.push('e.namespace = ?');
    params.push(scope.namespace);
  } else if (scope.ownNamespace !== undefined) {
    parts.push("(e.namespace NOT GLOB 'session:*' OR e.namespace = ?)");
    params.push(scope.ownNamespace);
  } else {
    parts.push("e.namespace NOT GLOB 'session:*'");
  }
  if (filters.agentId !== undefined) {
    parts.push(
      filters.includeShared === false ? 'e.agent_id = ?' : '(e.agent_id = ? OR e.agent_id IS NULL)',
    );
    params.push(filters.agentId);
  }
  for (const tag of filters.tags ?? []) {
    parts.push('EXISTS (SELECT 1 FROM memory_tags t WHERE t.tag = ? AND t.entry_rowid = e.rowid)');
    params.push(tag);
  }
  return { sql: parts.join(' AND '), params };
}
