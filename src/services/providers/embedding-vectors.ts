/**
 * Turns the number arrays an embeddings API returns into Float32Arrays (the form the
 * store keeps as BLOBs), checking what a bad proxy or a wrong model would get wrong:
 * one vector per input, all the same length, the length asked for, finite numbers.
 */
import { BadResponseError } from './errors.js';

export function toVectors(
  rows: unknown,
  expectedCount: number,
  expectedDimensions: number | undefined,
): { vectors: Float32Array[]; dimensions: number } {
  if (!Array.isArray(rows)) throw new BadResponseError('no list of embeddings in the reply');
  if (rows.length !== expectedCount) {
    throw new BadResponseError(`${rows.length} embeddings for ${expectedCount} inputs`);
  }
  const vectors = rows.map((row: unknown) => {
    if (!Array.isArray(row) || row.length === 0) {
      throw new BadResponseError('an embedding is not a list of numbers');
    }
    const v = Float32Array.from(row as number[]);
    if (!v.every(Number.isFinite) || !row.every((x) => typeof x === 'number')) {
      throw new BadResponseError('an embedding holds something other than finite numbers');
    }
    return v;
  });
  const dimensions = vectors[0]?.length ?? expectedDimensions ?? 0;
  if (vectors.some((v) => v.length !== dimensions)) {
    throw new BadResponseError('embeddings of different lengths in one reply');
  }
  if (expectedDimensions !== undefined && vectors.length > 0 && dimensions !== expectedDimensions) {
    throw new BadResponseError(`${dimensions}-dimensional embeddings, ${expectedDimensions} asked`);
  }
  return { vectors, dimensions };
}
