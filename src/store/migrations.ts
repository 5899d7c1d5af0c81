/**
 * Versioned schema migrations. Each runs once, inside its own transaction, and is
 * recorded in `schema_migrations`; a database newer than this code is refused rather
 * than guessed at. Later features append to `MIGRATIONS` — never edit a shipped one.
 */
import type Database from 'better-sqlite3';

export interface Migration {
  version: number;
  name: string;
  up(db: Database.Database): void;
}

export class MigrationError extends Error {}

/** The table that records which migrations ran (every aistack database has it). */
export function createMigrationsTable(db: Database.Database): void {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    applied_at TEXT NOT NULL
  ) STRICT`);
}

/**
 * Creates, in an empty database, exactly the schema that `versions` of `migrations` make
 * (the migrations table included) and records them, with `appliedAt` when given. This is
 * what a database that records those versions should look like: backups are compared
 * with it, and restores are rebuilt into it. Throws for a version it does not know.
 */
export function createSchema(
  db: Database.Database,
  migrations: readonly Migration[],
  versions: readonly number[],
  appliedAt: (version: number) => string = () => new Date().toISOString(),
): void {
  const known = new Map(migrations.map((m) => [m.version, m]));
  const unknown = versions.filter((v) => !known.has(v));
  if (unknown.length > 0)
    throw new MigrationError(`schema version(s) ${unknown.join(', ')} unknown to this aistack`);
  createMigrationsTable(db);
  const record = db.prepare(
    'INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)',
  );
  db.transaction(() => {
    for (const version of [...new Set(versions)].sort((a, b) => a - b)) {
      const migration = known.get(version)!;
      migration.up(db);
      record.run(version, migration.name, appliedAt(version));
    }
  })();
}

export function runMigrations(db: Database.Database, migrations: readonly Migration[]): number[] {
  createMigrationsTable(db);
  const applied = new Set(
    db.prepare('SELECT version FROM schema_migrations').pluck().all() as number[],
  );
  const known = new Set(migrations.map((m) => m.version));
  const unknown = [...applied].filter((v) => !known.has(v));
  if (unknown.length > 0) {
    throw new MigrationError(
      `the database has schema version(s) ${unknown.join(', ')} that this aistack does not know; upgrade aistack`,
    );
  }
  const record = db.prepare(
    'INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)',
  );
  const ran: number[] = [];
  for (const migration of [...migrations].sort((a, b) => a.version - b.version)) {
    if (applied.has(migration.version)) continue;
    db.transaction(() => {
      migration.up(db);
      record.run(migration.version, migration.name, new Date().toISOString());
    })();
    ran.push(migration.version);
  }
  return ran;
}
