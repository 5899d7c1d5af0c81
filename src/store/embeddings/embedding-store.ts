/**
 * SQL for embeddings: which entries still need a vector for the current model, writing
 * a vector only if its entry is still the version that was embedded, and the reads the
 * vector search needs. Every read that returns entries or vectors to a caller applies
 * the caller's Scope in SQL (`whereClause`), exactly like the full-text path, so the
 * in-memory index can only narrow what is looked at, never widen what is returned.
 *
 * Vectors are little-endian float32 BLOBs (`dimensions` × 4 bytes).
 */
import type Database from 'better-sqlite3';
import { hasFilters, whereClause, type Filters, type Scope } from '../memory/memory-scope.js';
import { StatementCache } from '../statement-cache.js';

/** Which vectors are current: the model that made them and their length. */
export interface EmbeddingModel {
  model: string;
  dimensions: number;
}

/** An entry that needs a vector, with what identifies the text that was embedded. */
export interface PendingRow {
  rowid: number;
  id: string;
  version: number;
  namespace: string;
  content: string;
}

export interface VectorRow {
  rowid: number;
  namespace: string;
  vector: Buffer;
}

const PENDING = 'e.rowid, e.id, e.version, e.namespace, e.content';
// The (model, dimensions) index answers this without reading the 1.5 KB vector rows.
const NOT_EMBEDDED = `NOT EXISTS (SELECT 1 FROM memory_embeddings m INDEXED BY memory_embeddings_model
  WHERE m.model = ? AND m.dimensions = ? AND m.entry_rowid = e.rowid)`;
/** `rowid IN (…)` for a list bound as one JSON array parameter. */
const IN_LIST = 'IN (SELECT value FROM json_each(?))';

/** A Float32Array over a BLOB (copied when SQLite's buffer is not 4-byte aligned). */
export function blobToVector(blob: Buffer): Float32Array {
  if (blob.byteOffset % 4 === 0) {
    return new Float32Array(blob.buffer, blob.byteOffset, blob.byteLength / 4);
  }
  return new Float32Array(Uint8Array.prototype.slice.call(blob).buffer);
}

export const vectorToBlob = (v: Float32Array) => Buffer.from(v.buffer, v.byteOffset, v.byteLength);

export class EmbeddingStore {
  private readonly stmts;
  private readonly statements: StatementCache;

  constructor(private readonly db: Database.Database) {
    this.statements = new StatementCache(db);
    this.stmts = {
      missingAmong: db.prepare(
        `SELECT ${PENDING} FROM memory_entries e WHERE e.rowid ${IN_LIST} AND ${NOT_EMBEDDED} ORDER BY e.rowid`,
      ),
      missingPage: db.prepare(
        `SELECT ${PENDING} FROM memory_entries e WHERE e.rowid > ? AND ${NOT_EMBEDDED} ORDER BY e.rowid LIMIT ?`,
      ),
      missingPageIn: db.prepare(
        `SELECT ${PENDING} FROM memory_entries e WHERE e.namespace = ? AND e.rowid > ? AND ${NOT_EMBEDDED} ORDER BY e.rowid LIMIT ?`,
      ),
      countMissingIn: db
        .prepare(`SELECT count(*) FROM memory_entries e WHERE e.namespace = ? AND ${NOT_EMBEDDED}`)
        .pluck(),
      // Only if the entry is still the text that was embedded: same id (a reused rowid
      // is another entry) and same version (an update bumps it).
      write: db.prepare(`INSERT OR REPLACE INTO memory_embeddings
        (entry_rowid, model, dimensions, vector, created_at)
        SELECT ?, ?, ?, ?, ? WHERE EXISTS
          (SELECT 1 FROM memory_entries WHERE rowid = ? AND id = ? AND version = ?)`),
      vectorsPage:
        db.prepare(`SELECT m.entry_rowid AS rowid, e.namespace AS namespace, m.vector AS vector
        FROM memory_embeddings m JOIN memory_entries e ON e.rowid = m.entry_rowid
        WHERE m.model = ? AND m.dimensions = ? AND m.entry_rowid > ?
        ORDER BY m.entry_rowid LIMIT ?`),
      entries: db.prepare('SELECT coalesce(sum(entries), 0) FROM memory_namespace_counts').pluck(),
      embedded: db
        .prepare('SELECT count(*) FROM memory_embeddings WHERE model = ? AND dimensions = ?')
        .pluck(),
      allEmbeddings: db.prepare('SELECT count(*) FROM memory_embeddings').pluck(),
    };
  }

  /** Those of `rowids` that exist and have no vector for `m`. */
  missingAmong(rowids: readonly number[], m: EmbeddingModel): PendingRow[] {
    if (rowids.length === 0) return [];
    return this.stmts.missingAmong.all(
      JSON.stringify(rowids),
      m.model,
      m.dimensions,
    ) as PendingRow[];
  }

  /** The next entries (by rowid, after `afterRowid`) with no vector for `m`. */
  missingPage(
    m: EmbeddingModel,
    afterRowid: number,
    limit: number,
    namespace?: string,
  ): PendingRow[] {
    return (
      namespace === undefined
        ? this.stmts.missingPage.all(afterRowid, m.model, m.dimensions, limit)
        : this.stmts.missingPageIn.all(namespace, afterRowid, m.model, m.dimensions, limit)
    ) as PendingRow[];
  }

  /** How many entries (of one namespace, or all) have no vector for `m`. */
  countMissing(m: EmbeddingModel, namespace?: string): number {
    if (namespace !== undefined) {
      return this.stmts.countMissingIn.get(namespace, m.model, m.dimensions) as number;
    }
    const { entries, embedded } = this.counts(m);
    return entries - embedded;
  }

  /** Entries, vectors for `m`, and vectors of other models (stale until re-embedded). */
  counts(m: EmbeddingModel): { entries: number; embedded: number; stale: number } {
    const embedded = this.stmts.embedded.get(m.model, m.dimensions) as number;
    return {
      entries: this.stmts.entries.get() as number,
      embedded,
      stale: (this.stmts.allEmbeddings.get() as number) - embedded,
    };
  }

  /**
   * Stores `vector` for `row` unless the entry has changed or gone since it was read;
   * returns whether it was stored. Call inside a transaction when writing several.
   */
  write(row: PendingRow, m: EmbeddingModel, vector: Float32Array, at: number): boolean {
    const info = this.stmts.write.run(
      row.rowid,
      m.model,
      m.dimensions,
      vectorToBlob(vector),
      at,
      row.rowid,
      row.id,
      row.version,
    );
    return info.changes > 0;
  }

  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }

  /** Every vector of model `m`, a page at a time (to build the in-memory index). */
  vectorsPage(m: EmbeddingModel, afterRowid: number, limit: number): VectorRow[] {
    return this.stmts.vectorsPage.all(m.model, m.dimensions, afterRowid, limit) as VectorRow[];
  }

  /** The vectors for `m` of those `rowids` that the scope and filters allow. */
  scopedVectors(
    rowids: readonly number[],
    m: EmbeddingModel,
    scope: Scope,
    filters: Filters,
  ): { rowid: number; vector: Buffer }[] {
    if (rowids.length === 0) return [];
    const where = whereClause(scope, filters);
    return this.statements
      .get(
        `SELECT e.rowid AS rowid, m.vector AS vector
       FROM memory_entries e JOIN memory_embeddings m ON m.entry_rowid = e.rowid
       WHERE e.rowid ${IN_LIST} AND m.model = ? AND m.dimensions = ? AND ${where.sql}`,
      )
      .all(JSON.stringify(rowids), m.model, m.dimensions, ...where.params) as {
      rowid: number;
      vector: Buffer;
    }[];
  }

  /**
   * Rowids with a vector for `m` that the scope and filters allow, at most `limit`
   * (used when tags or an agent narrow the search, so the index scans only these).
   */
  scopedRowids(m: EmbeddingModel, scope: Scope, filters: Filters, limit: number): number[] {
    if (!hasFilters(filters)) throw new Error('scopedRowids is for filtered searches');
    const where = whereClause(scope, filters);
    return this.statements
      .get(
        `SELECT e.rowid FROM memory_entries e JOIN memory_embeddings m ON m.entry_rowid = e.rowid
       WHERE m.model = ? AND m.dimensions = ? AND ${where.sql} LIMIT ?`,
      )
      .pluck()
      .all(m.model, m.dimensions, ...where.params, limit) as number[];
  }
}
