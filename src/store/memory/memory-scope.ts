/**
 * Which entries a read may see, in one place for every read path: `whereClause` turns a
 * Scope and filters into SQL (table alias `e`) for the full-text, list and vector
 * queries, and `scopeAllows` is the same namespace rule as a predicate, for the
 * in-memory vector index to skip what a caller may not see. The SQL is what guards the
 * rows; the predicate only saves work, so both must say the same thing.
 *
 * Three kinds of namespace: `session:<id>` (one session's, dies with it), `project:<slug>`
 * (one project's, persists; read by the sessions bound to it and by the owner) and every
 * other name, shared by everyone. Session and project namespaces are "private": kept out
 * of the shared full-text index, so nothing about them moves a stranger's scores.
 */

/**
 * Which namespaces a read may touch: exactly `namespace` when given (the caller has
 * already been allowed it), else every shared namespace plus `ownNamespace`, plus
 * `projectNamespace`, plus every project namespace with `allProjects` (the owner). With
 * `namespace`, the others (when set) still say what the caller may read, for what is
 * computed over everything the caller may read (search statistics).
 */
export interface Scope {
  namespace?: string | undefined;
  /** The caller's session namespace, `session:<id>`. */
  ownNamespace?: string | undefined;
  /** The namespace of the project the caller's session is bound to, `project:<slug>`. */
  projectNamespace?: string | undefined;
  /** Every project namespace (the owner's reads, and exports). */
  allProjects?: boolean | undefined;
}

export interface Filters {
  tags?: string[] | undefined;
  agentId?: string | undefined;
  /** With agentId: also entries that belong to no agent. */
  includeShared?: boolean | undefined;
  /** Time windows (ms since the epoch): `…After` is inclusive, `…Before` exclusive. */
  createdAfter?: number | undefined;
  createdBefore?: number | undefined;
  updatedAfter?: number | undefined;
  updatedBefore?: number | undefined;
}

/** The time filters, as their SQL comparisons (table alias `e`). */
const TIME_FILTERS = [
  ['createdAfter', 'e.created_at >= ?'],
  ['createdBefore', 'e.created_at < ?'],
  ['updatedAfter', 'e.updated_at >= ?'],
  ['updatedBefore', 'e.updated_at < ?'],
] as const;

/** Namespaces that belong to one session. */
export const SESSION_PREFIX = 'session:';
/** Namespaces that belong to one project. */
export const PROJECT_PREFIX = 'project:';

export const isSessionNamespace = (namespace: string) => namespace.startsWith(SESSION_PREFIX);
export const isProjectNamespace = (namespace: string) => namespace.startsWith(PROJECT_PREFIX);

/** True for a namespace that not everyone may read (a session's or a project's). */
export const isPrivateNamespace = (namespace: string) =>
  isSessionNamespace(namespace) || isProjectNamespace(namespace);

/** True when a read with `scope` may see entries of `namespace` (the namespace part of whereClause). */
export function scopeAllows(scope: Scope, namespace: string): boolean {
  if (scope.namespace !== undefined) return namespace === scope.namespace;
  if (!isPrivateNamespace(namespace)) return true;
  if (namespace === scope.ownNamespace || namespace === scope.projectNamespace) return true;
  return scope.allProjects === true && isProjectNamespace(namespace);
}

/**
 * Everything the caller of `scope` may read, whatever one namespace it narrows to: every
 * shared namespace plus its own session's and project's (or every project's). Search
 * statistics are computed over this, so that they are the same for every search by the
 * same caller and depend on nothing it cannot see.
 */
export function readableScope(scope: Scope): Scope {
  const readable: Scope = {
    ownNamespace: scope.ownNamespace,
    projectNamespace: scope.projectNamespace,
    allProjects: scope.allProjects,
  };
  const ns = scope.namespace;
  // A namespace the caller was allowed by name (export) counts as readable too.
  if (ns !== undefined && !scopeAllows(readable, ns)) {
    if (isSessionNamespace(ns)) readable.ownNamespace = ns;
    else if (isProjectNamespace(ns)) readable.projectNamespace = ns;
  }
  return readable;
}

/**
 * The private namespaces a read with `scope` covers: exact names, and whether every
 * project namespace is in (the full-text index looks these up by owner).
 */
export function privateNamespaces(scope: Scope): { names: string[]; allProjects: boolean } {
  if (scope.namespace !== undefined) {
    return {
      names: isPrivateNamespace(scope.namespace) ? [scope.namespace] : [],
      allProjects: false,
    };
  }
  const allProjects = scope.allProjects === true;
  const names = [scope.ownNamespace, scope.projectNamespace].filter(
    (ns): ns is string => ns !== undefined && !(allProjects && isProjectNamespace(ns)),
  );
  return { names, allProjects };
}

/** True when the filters narrow beyond the namespace (tags, agent or time). */
export const hasFilters = (filters: Filters) =>
  filters.agentId !== undefined ||
  (filters.tags?.length ?? 0) > 0 ||
  TIME_FILTERS.some(([name]) => filters[name] !== undefined);

const SHARED_SQL = "(e.namespace NOT GLOB 'session:*' AND e.namespace NOT GLOB 'project:*')";

/**
 * WHERE fragments and their parameters for a scope and filters (table alias `e`). An
 * entry whose expiry is at or before `now` is left out of every read here, whether or
 * not the memory.expire job has deleted it yet (a cheap check: most rows have none).
 */
export function whereClause(
  scope: Scope,
  filters: Filters,
  now: number = Date.now(),
): { sql: string; params: unknown[] } {
  const { sql, params } = scopeClause(scope);
  const parts = [sql, '(e.expires_at IS NULL OR e.expires_at > ?)'];
  params.push(now);
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
  for (const [name, sqlPart] of TIME_FILTERS) {
    const at = filters[name];
    if (at === undefined) continue;
    parts.push(sqlPart);
    params.push(at);
  }
  return { sql: parts.join(' AND '), params };
}

/** The namespace part of whereClause alone (alias `e`), for tables with a `namespace` column. */
export function scopeClause(scope: Scope): { sql: string; params: unknown[] } {
  const parts: string[] = [];
  const params: unknown[] = [];
  if (scope.namespace !== undefined) {
    parts.push('e.namespace = ?');
    params.push(scope.namespace);
  } else {
    const { names, allProjects } = privateNamespaces(scope);
    const any = [SHARED_SQL];
    if (names.length > 0) {
      any.push(`e.namespace IN (${names.map(() => '?').join(', ')})`);
      params.push(...names);
    }
    if (allProjects) any.push("e.namespace GLOB 'project:*'");
    parts.push(any.length === 1 ? SHARED_SQL : `(${any.join(' OR ')})`);
  }
  return { sql: parts.join(' AND '), params };
}
