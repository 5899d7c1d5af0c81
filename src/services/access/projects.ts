/**
 * Projects: which project a session works in. A client names its project by its root
 * folder (the git top level, or the folder it works in), by a name, or both; the daemon
 * turns that into a slug, fixed for the project's life, whose namespace `project:<slug>`
 * holds the project's memory across sessions.
 *
 * - One root is one project: a root seen before gets its project back, whatever name
 *   comes with it. A new root takes the slug of its name (default: the folder's name);
 *   when another project already has that slug, a short hash of the root is appended, so
 *   two folders called `app` are two projects (`app`, `app-3f9c0a1e`).
 * - A name alone finds the project of that slug or display name, or starts one.
 * - Rename changes the display name only; the slug and namespace stay, so no entry moves.
 */
import { createHash } from 'node:crypto';
import { posix } from 'node:path';
import type Database from 'better-sqlite3';
import { AppError } from '../../core/errors.js';
import { PROJECT_LIMITS, type ProjectInfo, type ProjectRef } from '../../protocol/project.js';
import { PROJECT_PREFIX } from '../../store/memory/memory-scope.js';
import {
  ProjectStore,
  type ProjectListRow,
  type ProjectRow,
} from '../../store/projects/project-store.js';
import type { AuditSink } from '../audit/audit-sink.js';

export const projectNamespace = (slug: string) => `${PROJECT_PREFIX}${slug}`;

/** The project a session is bound to, as callers and results name it. */
export interface BoundProject {
  slug: string;
  namespace: string;
  name: string;
}

/**
 * A slug for a name: lower-case ASCII letters and digits, runs of anything else as one
 * `-`, accents dropped, at most PROJECT_LIMITS.slugMax characters; "project" when
 * nothing is left.
 */
export function slugify(name: string): string {
  const slug = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+/, '')
    .slice(0, PROJECT_LIMITS.slugMax)
    .replace(/-+$/, '');
  return slug || 'project';
}

const rootHash = (root: string) => createHash('sha256').update(root).digest('hex');

const bound = (row: ProjectRow): BoundProject => ({
  slug: row.slug,
  namespace: projectNamespace(row.slug),
  name: row.name,
});

function toInfo(row: ProjectListRow): ProjectInfo {
  return {
    ...bound(row),
    root: row.root,
    createdAt: new Date(row.created_at).toISOString(),
    entries: row.entries,
    activeSessions: row.active_sessions,
  };
}

export class ProjectService {
  private readonly store: ProjectStore;

  constructor(
    private readonly db: Database.Database,
    private readonly audit: AuditSink,
    private readonly now: () => number = Date.now,
  ) {
    this.store = new ProjectStore(db);
  }

  /** The project `ref` names, started (and audited) on first use. */
  resolve(ref: ProjectRef, connection?: number): BoundProject {
    return bound(this.db.transaction(() => this.find(ref) ?? this.create(ref, connection))());
  }

  /** The project of a slug, if it exists. */
  bySlug(slug: string): BoundProject | undefined {
    const row = this.store.bySlug(slug);
    return row && bound(row);
  }

  list(): ProjectInfo[] {
    return this.store.list().map(toInfo);
  }

  show(project: string): ProjectInfo {
    return toInfo(this.store.show(this.named(project).slug)!);
  }

  /** A new display name; the slug and the namespace, and so every entry, stay put. */
  rename(project: string, name: string, connection?: number) {
    const row = this.named(project);
    this.store.rename(row.slug, name);
    this.audit.record('project.rename', { slug: row.slug, from: row.name, to: name, connection });
    return { project: this.show(row.slug), previousName: row.name };
  }

  /** The project a parameter names: slug, `project:<slug>` or exact display name. */
  private named(project: string): ProjectRow {
    const slug = project.startsWith(PROJECT_PREFIX)
      ? project.slice(PROJECT_PREFIX.length)
      : project;
    const row = this.store.bySlug(slug);
    if (row) return row;
    const byName = this.store.byName(project);
    if (byName.length === 1) return byName[0]!;
    throw new AppError(
      'NOT_FOUND',
      byName.length > 1
        ? `several projects are named "${project}"; give the slug (aistack project list)`
        : `no project "${project}" (aistack project list shows them)`,
      { project },
    );
  }

  private find(ref: ProjectRef): ProjectRow | undefined {
    if (ref.root !== undefined) return this.store.byRoot(ref.root);
    const name = ref.name!;
    const bySlug = this.store.bySlug(slugify(name));
    if (bySlug) return bySlug;
    const byName = this.store.byName(name);
    return byName.length === 1 ? byName[0] : undefined;
  }

  private create(ref: ProjectRef, connection?: number): ProjectRow {
    const name = ref.name ?? (posix.basename(ref.root!) || 'project');
    const base = slugify(name);
    let slug = base;
    if (ref.root !== undefined) {
      // Another folder of the same name: the root's hash tells them apart, longer
      // only in the unlikely case that the short one is taken too.
      const hash = rootHash(ref.root);
      for (let n = 8; this.store.bySlug(slug) && n <= 16; n += 4) {
        slug = `${base}-${hash.slice(0, n)}`;
      }
    }
    if (this.store.bySlug(slug)) {
      throw new AppError('CONFLICT', `project slug ${slug} is taken; give another name`, { slug });
    }
    const row: ProjectRow = { slug, name, root: ref.root ?? null, created_at: this.now() };
    this.store.insert(row);
    this.audit.record('project.create', { slug, rooted: row.root !== null, connection });
    return row;
  }
}
