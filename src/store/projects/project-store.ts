/**
 * SQL for projects: find one by slug, root or display name, insert, rename, list with
 * their entry counts. Parameterized statements only; what a slug may be, and what a
 * project means for access, is the services' business.
 */
import type Database from 'better-sqlite3';

export interface ProjectRow {
  slug: string;
  name: string;
  root: string | null;
  created_at: number;
}

/** A project with what is in it now. */
export interface ProjectListRow extends ProjectRow {
  entries: number;
  active_sessions: number;
}

const WITH_COUNTS = `SELECT p.*,
  coalesce((SELECT c.entries FROM memory_namespace_counts c WHERE c.namespace = 'project:' || p.slug), 0) AS entries,
  (SELECT count(*) FROM sessions s WHERE s.project = p.slug AND s.ended_at IS NULL) AS active_sessions
  FROM projects p`;

export class ProjectStore {
  private readonly s;

  constructor(db: Database.Database) {
    this.s = {
      bySlug: db.prepare('SELECT * FROM projects WHERE slug = ?'),
      byRoot: db.prepare('SELECT * FROM projects WHERE root = ?'),
      byName: db.prepare('SELECT * FROM projects WHERE name = ? ORDER BY created_at LIMIT 2'),
      insert: db.prepare('INSERT INTO projects (slug, name, root, created_at) VALUES (?, ?, ?, ?)'),
      rename: db.prepare('UPDATE projects SET name = ? WHERE slug = ?'),
      list: db.prepare(`${WITH_COUNTS} ORDER BY p.slug`),
      show: db.prepare(`${WITH_COUNTS} WHERE p.slug = ?`),
    };
  }

  bySlug(slug: string): ProjectRow | undefined {
    return this.s.bySlug.get(slug) as ProjectRow | undefined;
  }

  byRoot(root: string): ProjectRow | undefined {
    return this.s.byRoot.get(root) as ProjectRow | undefined;
  }

  /** Projects with exactly this display name (at most two: enough to tell one from many). */
  byName(name: string): ProjectRow[] {
    return this.s.byName.all(name) as ProjectRow[];
  }

  insert(row: ProjectRow): void {
    this.s.insert.run(row.slug, row.name, row.root, row.created_at);
  }

  rename(slug: string, name: string): boolean {
    return this.s.rename.run(name, slug).changes > 0;
  }

  list(): ProjectListRow[] {
    return this.s.list.all() as ProjectListRow[];
  }

  show(slug: string): ProjectListRow | undefined {
    return this.s.show.get(slug) as ProjectListRow | undefined;
  }
}
