/**
 * A database's schema as SQLite keeps it (`sqlite_schema`: tables, indexes, triggers,
 * views, FTS5 shadow tables included), and how it differs from the schema aistack's own
 * migrations create for the versions the database records. A backup may come from
 * anywhere: `backup verify` reports these differences, and a restore never uses the
 * file's schema, only rows of the tables that match ours.
 *
 * Left out of the comparison are only what SQLite makes by itself: indexes without SQL
 * (the automatic ones behind UNIQUE and PRIMARY KEY, implied by their table's SQL) and
 * its bookkeeping tables (`sqlite_sequence`, `sqlite_stat1`…, made by ANALYZE and
 * `PRAGMA optimize`). Everything else named `sqlite_…` is compared like any object,
 * since only an edited file can hold one.
 */
import Database from 'better-sqlite3';
import { createSchema, type Migration } from './migrations.js';

export type SchemaObjectType = 'table' | 'index' | 'trigger' | 'view';

export interface SchemaObject {
  type: SchemaObjectType;
  name: string;
  /** The table it belongs to (its own name for a table or view). */
  table: string;
  sql: string;
}

export interface SchemaDifference {
  difference: 'extra' | 'missing' | 'different';
  type: SchemaObjectType;
  name: string;
  table: string;
  /** The SQL in the file (null when the file lacks the object). */
  sql: string | null;
  /** Part of a full-text index (its virtual table or a shadow table): rebuilt, never copied. */
  fullText: boolean;
}

/** What a database that records some schema versions should hold. */
export interface ExpectedSchema {
  objects: SchemaObject[];
  /** Virtual tables and their shadow tables. */
  fullText: Set<string>;
}

const SQLITE_BOOKKEEPING = new Set([
  'sqlite_sequence',
  'sqlite_stat1',
  'sqlite_stat2',
  'sqlite_stat3',
  'sqlite_stat4',
]);

/** The same statement however it was spaced: SQLite keeps the text as it was written. */
export const normalizedSql = (sql: string) => sql.replace(/\s+/g, ' ').trim();

/** Every schema object of `db`'s main database, read from `sqlite_schema` (nothing is run). */
export function readSchema(db: Database.Database): SchemaObject[] {
  const rows = db
    .prepare(
      "SELECT type, name, tbl_name AS \"table\", sql FROM main.sqlite_schema WHERE type IN ('table', 'index', 'trigger', 'view') ORDER BY rowid",
    )
    .all() as { type: SchemaObjectType; name: string; table: string; sql: string | null }[];
  return rows
    .filter((r) => !(r.type === 'index' && r.sql === null))
    .filter((r) => !(r.type === 'table' && SQLITE_BOOKKEEPING.has(r.name)))
    .map((r) => ({ type: r.type, name: String(r.name), table: String(r.table), sql: r.sql ?? '' }));
}

/** Builds the schema of `versions` on a scratch in-memory database and reads it back. */
export function expectedSchema(
  migrations: readonly Migration[],
  versions: readonly number[],
): ExpectedSchema {
  const scratch = new Database(':memory:');
  try {
    createSchema(scratch, migrations, versions);
    const fullText = scratch
      .prepare(
        "SELECT name FROM pragma_table_list WHERE schema = 'main' AND type IN ('virtual', 'shadow')",
      )
      .pluck()
      .all() as string[];
    return { objects: readSchema(scratch), fullText: new Set(fullText) };
  } finally {
    scratch.close();
  }
}

const keyOf = (o: { type: string; name: string }) => `${o.type}\0${o.name}`;

/** Every object that is in one schema and not the other, or in both with different SQL. */
export function diffSchema(found: SchemaObject[], expected: ExpectedSchema): SchemaDifference[] {
  const want = new Map(expected.objects.map((o) => [keyOf(o), o]));
  const have = new Map(found.map((o) => [keyOf(o), o]));
  const out: SchemaDifference[] = [];
  const fullText = (name: string) => expected.fullText.has(name);
  for (const o of found) {
    const w = want.get(keyOf(o));
    if (!w) out.push({ difference: 'extra', ...o, fullText: false });
    else if (normalizedSql(w.sql) !== normalizedSql(o.sql) || w.table !== o.table)
      out.push({ difference: 'different', ...o, fullText: fullText(o.name) });
  }
  for (const w of expected.objects) {
    if (!have.has(keyOf(w)))
      out.push({ difference: 'missing', ...w, sql: null, fullText: fullText(w.name) });
  }
  return out;
}
