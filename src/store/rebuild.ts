/**
 * A fresh database rebuilt from another one's rows: the schema comes from aistack's own
 * migrations (for the versions the source records), and only the rows of the tables
 * those migrations create are copied, column by named column, with parameterized
 * statements. Nothing of the source's schema is ever used: its triggers, views and
 * extra indexes are never run or copied, FTS5 shadow tables are left behind (the caller
 * rebuilds the index from the entries), and tables that triggers keep (the namespace
 * counts) fill themselves as the entries go in.
 *
 * The source is opened read-only with `trusted_schema` off and read with `NOT INDEXED`,
 * so even an index in it cannot decide what is read. The caller makes sure beforehand
 * that every table copied has exactly our definition in the source.
 */
import { closeSync, openSync } from 'node:fs';
import Database from 'better-sqlite3';
import { inChunks } from './chunked.js';
import { createSchema, type Migration } from './migrations.js';
import { normalizedSql, readSchema, type SchemaObject } from './schema-diff.js';

/** Tables whose rows come from triggers on other tables, never from the source. */
const DERIVED = new Set(['memory_namespace_counts']);

const quoteIdent = (name: string) => `"${name.replaceAll('"', '""')}"`;

export class RebuildError extends Error {}

export interface RebuildOptions {
  /** The database file to read rows from. */
  source: string;
  /** Where to create the new database; must not exist. */
  dest: string;
  migrations: readonly Migration[];
  /** The schema versions the source records. */
  versions: readonly number[];
}

/** Opens a database file that may come from anywhere: read-only, its schema trusted with nothing. */
export function openUntrusted(path: string): Database.Database {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    db.pragma('trusted_schema = OFF');
    db.pragma('query_only = ON');
    db.pragma('cell_size_check = ON');
    db.pragma('busy_timeout = 2000');
  } catch (err) {
    db.close();
    throw err;
  }
  return db;
}

/**
 * Creates `dest` (0600) with the schema of `versions` and copies the source's rows into
 * it; returns the open new database and the rows copied per table. On failure `dest` is
 * left for the caller to remove.
 */
export async function rebuildFrom(
  o: RebuildOptions,
): Promise<{ db: Database.Database; rows: Record<string, number> }> {
  const source = openUntrusted(o.source);
  closeSync(openSync(o.dest, 'wx', 0o600));
  const db = new Database(o.dest, { fileMustExist: true });
  try {
    db.pragma('foreign_keys = ON');
    db.pragma('trusted_schema = OFF');
    db.pragma('synchronous = OFF'); // a private file until it is finished and synced
    const applied = new Map(
      (
        source
          .prepare('SELECT version, applied_at FROM schema_migrations NOT INDEXED')
          .raw()
          .all() as [unknown, unknown][]
      ).map(([v, at]) => [Number(v), String(at)]),
    );
    createSchema(db, o.migrations, o.versions, (v) => applied.get(v) ?? new Date().toISOString());
    const tables = copiedTables(db);
    checkSameTables(source, db, tables);
    const rows: Record<string, number> = {};
    // In creation order, which puts every table after the tables its foreign keys name.
    for (const table of tables) rows[table] = await copyTable(source, db, table);
    return { db, rows };
  } catch (err) {
    db.close();
    throw err;
  } finally {
    source.close();
  }
}

/** The ordinary tables of the new schema whose rows come from the source. */
function copiedTables(db: Database.Database): string[] {
  const names = db
    .prepare(
      `SELECT s.name FROM main.sqlite_schema s JOIN pragma_table_list l ON l.name = s.name AND l.schema = 'main'
       WHERE s.type = 'table' AND l.type = 'table' AND s.name NOT LIKE 'sqlite\\_%' ESCAPE '\\'
       ORDER BY s.rowid`,
    )
    .pluck()
    .all() as string[];
  return names.filter((n) => n !== 'schema_migrations' && !DERIVED.has(n));
}

/** Refuses a source whose definition of a table to copy is not ours, word for word. */
function checkSameTables(source: Database.Database, db: Database.Database, tables: string[]) {
  const theirs = readSchema(source);
  const ours = readSchema(db);
  const definition = (schema: SchemaObject[], name: string) =>
    schema.find((o) => o.type === 'table' && o.name === name)?.sql;
  const same = (t: string) => {
    const a = definition(theirs, t);
    const b = definition(ours, t);
    return a !== undefined && b !== undefined && normalizedSql(a) === normalizedSql(b);
  };
  const differ = tables.filter((t) => !same(t));
  if (differ.length > 0)
    throw new RebuildError(`table(s) ${differ.join(', ')} are not defined as aistack defines them`);
}

async function copyTable(
  source: Database.Database,
  db: Database.Database,
  table: string,
): Promise<number> {
  const columns = db
    .prepare('SELECT name FROM pragma_table_xinfo(?) WHERE hidden = 0 ORDER BY cid')
    .pluck()
    .all(table) as string[];
  const list = columns.map(quoteIdent).join(', ');
  const read = source
    .prepare(`SELECT ${list} FROM main.${quoteIdent(table)} NOT INDEXED`)
    .raw()
    .safeIntegers()
    .iterate() as IterableIterator<unknown[]>;
  const insert = db.prepare(
    `INSERT INTO main.${quoteIdent(table)} (${list}) VALUES (${columns.map(() => '?').join(', ')})`,
  );
  let at = 0;
  try {
    return await inChunks(db, read, (row) => {
      at++;
      insert.run(...row);
    });
  } catch (err) {
    throw new RebuildError(`row ${at} of table ${table}: ${(err as Error).message}`, {
      cause: err,
    });
  }
}
