/**
 * Prepared statements for SQL built at run time (a scope's WHERE clause varies by
 * caller): each distinct text is prepared once per connection and reused. The texts
 * come from a small set of shapes, so the cache stays small.
 */
import type Database from 'better-sqlite3';

export class StatementCache {
  private readonly cache = new Map<string, Database.Statement>();

  constructor(private readonly db: Database.Database) {}

  get(sql: string): Database.Statement {
    let stmt = this.cache.get(sql);
    if (!stmt) {
      stmt = this.db.prepare(sql);
      this.cache.set(sql, stmt);
    }
    return stmt;
  }
}
