/**
 * Scopes: what a token lets its holder do. Every method in the table names the one scope
 * it needs, and dispatch checks it for every call, on the socket and over HTTP,
 * from the same declaration. The owner token (a 0600 file in the data dir) holds every
 * scope; a scoped token (`aistack token create --scope …`) holds the ones it was given.
 * `admin` covers everything the local user's own tools do and models never should:
 * other sessions, backups, audit, plugins, tokens, shutdown.
 */

export const SCOPES = {
  'system:read': 'Liveness, status, health, the method list and the configured providers.',
  'memory:read': 'Read and search memory: shared namespaces, and a session’s own with its token.',
  'memory:write': 'Store and delete memory entries (a session is still required).',
  sessions: 'Start, inspect and end your own sessions.',
  agents: 'Spawn and stop agents; create, run and complete tasks (spends provider tokens).',
  github: 'Call GitHub through gh (when github.enabled).',
  plugins: 'Call methods that loaded plugins provide.',
  'metrics:read':
    'Read GET /metrics over HTTP (Prometheus text: counts, latencies, sizes; no content).',
  admin:
    'Everything else: other sessions, export and import, backups and restore, audit, jobs, plugins, tokens, config reload, shutdown.',
} as const;

export type Scope = keyof typeof SCOPES;

export const SCOPE_NAMES = Object.keys(SCOPES) as Scope[];

/** What a method needs: a scope, or nothing at all (only `auth.hello`, which is how one gets scopes). */
export type MethodScope = Scope | 'none';

/** Every value a method's `scope` may take. */
export const METHOD_SCOPES = ['none', ...SCOPE_NAMES] as [MethodScope, ...MethodScope[]];
