/**
 * Checking a database file before anyone trusts it: `aistack backup verify` and every
 * restore run this. The file is opened read-only with `trusted_schema` off (a restore
 * candidate may come from anywhere, and its schema must not run functions on our behalf),
 * then: `PRAGMA integrity_check` (which also checks the FTS5 index), the schema versions it
 * records must all be ones this aistack knows, and every table those versions create
 * must be there. Counts per table are reported so a person can see what they are about
 * to restore.
 */
import Database from 'better-sqlite3';
import type { Migration } from '../../store/migrations.js';

export interface VerifyResult {
  ok: boolean;
  /** `"ok"`, or the problems `integrity_check` found (at most 20). */
  integrity: 'ok' | string[];
  /** Row counts of the ordinary and virtual tables (not SQLite's own or FTS shadow tables). */
  tables: Record<string, number | null>;
  schemaVersions: number[];
  problems: string[];
  bytes: number;
}

const quoteIdent = (name: string) => `"${name.replaceAll('"', '""')}"`;

/** The tables that running `versions` of `migrations` creates (on a scratch in-memory database). */
export function tablesCreatedBy(migrations: readonly Migration[], versions: number[]): string[] {
  const scratch = new Database(':memory:');
  try {
    for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
      if (versions.includes(m.version)) m.up(scratch);
    }
    return userTables(scratch).map((t) => t.name);
  } finally {
    scratch.close();
  }
}

function userTables(db: Database.Database): { name: string; type: string }[] {
  const rows = db
    .prepare("SELECT name, type FROM pragma_table_list WHERE schema = 'main'")
    .all() as {
    name: string;
    type: string;
  }[];
  return rows
    .filter((r) => (r.type === 'table' || r.type === 'virtual') && !r.name.startsWith('sqlite_'))
    .sort((a, b) => a.name.localeCompare(b.name));
}

/**
 * Verifies the SQLite file at `path` as an aistack database. Never throws for a bad file:
 * what is wrong with it is in `problems` (and `ok` is false).
 */
export function verifyDatabaseFile(
  path: string,
  migrations: readonly Migration[],
  bytes: number,
): VerifyResult {
  const result: VerifyResult = {
    ok: false,
    integrity: [],
    tables: {},
    schemaVersions: [],
    problems: [],
    bytes,
  };
  let db: Database.Database | undefined;
  try {
    db = new Database(path, { readonly: true, fileMustExist: true });
    db.pragma('trusted_schema = OFF');
    db.pragma('busy_timeout = 2000');
    const check = db.pragma('integrity_check(20)') as { integrity_check: string }[];
    const messages = check.map((r) => r.integrity_check);
    result.integrity = messages.length === 1 && messages[0] === 'ok' ? 'ok' : messages;
    if (result.integrity !== 'ok') result.problems.push('integrity_check failed');
    const tables = userTables(db);
    for (const t of tables) {
      try {
        result.tables[t.name] = db
          .prepare(`SELECT count(*) FROM ${quoteIdent(t.name)}`)
          .pluck()
          .get() as number;
      } catch (err) {
        result.tables[t.name] = null;
        result.problems.push(`table ${t.name} cannot be read: ${(err as Error).message}`);
      }
    }
    if (!tables.some((t) => t.name === 'schema_migrations')) {
      result.problems.push('not an aistack database (no schema_migrations table)');
    } else {
      result.schemaVersions = (
        db
          .prepare('SELECT version FROM schema_migrations ORDER BY version')
          .pluck()
          .all() as unknown[]
      ).map(Number);
      const known = new Set(migrations.map((m) => m.version));
      const unknown = result.schemaVersions.filter((v) => !known.has(v));
      if (unknown.length > 0) {
        result.problems.push(
          `schema version(s) ${unknown.join(', ')} unknown to this aistack (made by a newer one?)`,
        );
      } else {
        const missing = tablesCreatedBy(migrations, result.schemaVersions).filter(
          (name) => !(name in result.tables),
        );
        if (missing.length > 0) result.problems.push(`missing table(s): ${missing.join(', ')}`);
      }
    }
  } catch (err) {
    result.problems.push(`not a readable SQLite database: ${(err as Error).message}`);
  } finally {
    db?.close();
  }
  result.ok = result.problems.length === 0;
  return result;
}
