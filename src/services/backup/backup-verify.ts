/**
 * Checking a database file before anyone trusts it: `aistack backup verify` and every
 * restore run this. The file is opened read-only with `trusted_schema` off (a restore
 * candidate may come from anywhere, and its schema must not run functions on our behalf),
 * then: `PRAGMA integrity_check` (which also checks the FTS5 index), the schema versions it
 * records must all be ones this aistack knows, and its whole schema is compared with the
 * one aistack's migrations create for those versions. Every difference is reported, with
 * what a restore does about it: a restore rebuilds the database from the file's rows
 * (`restore-rebuild.ts`), so an object that is not ours is left out, one of ours that is
 * missing or altered is made again, the full-text index is rebuilt from the entries, and
 * only a table whose definition differs (whose rows cannot be trusted to mean what ours
 * do) makes the file unrestorable. Counts per table are reported so a person can see what
 * they are about to restore.
 */
import type Database from 'better-sqlite3';
import type { Migration } from '../../store/migrations.js';
import { openUntrusted } from '../../store/rebuild.js';
import {
  diffSchema,
  expectedSchema,
  readSchema,
  type SchemaDifference,
} from '../../store/schema-diff.js';

/** What a restore does about a difference. */
export type OnRestore = 'left out' | 'recreated' | 'rebuilt' | 'refused';

export interface SchemaReport {
  /** True when the file's schema is exactly what its schema versions create. */
  matches: boolean;
  differences: (Omit<SchemaDifference, 'fullText'> & { onRestore: OnRestore })[];
}

export interface VerifyResult {
  ok: boolean;
  /** `"ok"`, or the problems `integrity_check` found (at most 20). */
  integrity: 'ok' | string[];
  /** Row counts of the ordinary and virtual tables (not SQLite's own or FTS shadow tables). */
  tables: Record<string, number | null>;
  schemaVersions: number[];
  /** The schema compared with aistack's; null when it could not be (not ours, or too new). */
  schema: SchemaReport | null;
  problems: string[];
  bytes: number;
}

/** The longest piece of a file's SQL a report repeats. */
const MAX_SQL = 1000;

function onRestore(d: SchemaDifference): OnRestore {
  if (d.difference === 'extra') return 'left out';
  if (d.fullText) return 'rebuilt';
  return d.type === 'table' ? 'refused' : 'recreated';
}

/** Compares the file's schema with ours; adds a problem for each table a restore cannot use. */
function compareSchema(
  db: Database.Database,
  migrations: readonly Migration[],
  versions: number[],
  problems: string[],
): SchemaReport {
  const differences = diffSchema(readSchema(db), expectedSchema(migrations, versions)).map(
    ({ fullText, ...d }) => ({
      ...d,
      sql: d.sql === null || d.sql.length <= MAX_SQL ? d.sql : `${d.sql.slice(0, MAX_SQL)}…`,
      onRestore: onRestore({ ...d, fullText }),
    }),
  );
  const refused = (kind: SchemaDifference['difference']) =>
    differences
      .filter((d) => d.onRestore === 'refused' && d.difference === kind)
      .map((d) => d.name);
  const missing = refused('missing');
  if (missing.length > 0) problems.push(`missing table(s): ${missing.join(', ')}`);
  const different = refused('different');
  if (different.length > 0)
    problems.push(`table(s) not defined as aistack defines them: ${different.join(', ')}`);
  return { matches: differences.length === 0, differences };
}

const quoteIdent = (name: string) => `"${name.replaceAll('"', '""')}"`;

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
    schema: null,
    problems: [],
    bytes,
  };
  let db: Database.Database | undefined;
  try {
    db = openUntrusted(path);
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
          .prepare('SELECT version FROM schema_migrations NOT INDEXED ORDER BY version')
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
        result.schema = compareSchema(db, migrations, result.schemaVersions, result.problems);
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
