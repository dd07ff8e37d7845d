import * as tf from '@tensorflow/tfjs';

/** Feature vectors of `rows` as one [rows, dim] tensor (a plain copy: no gather kernel, no gradient). */
export function rowsTensor(features: readonly Float32Array[], rows: readonly number[], dim: number): tf.Tensor2D {
  const buf = new Float32Array(rows.length * dim);
  rows.forEach((r, i) => buf.set(features[r]!, i * dim));
  return tf.tensor2d(buf, [rows.length, dim]);
}

/** Row-major [rows, n] values of a table of rows. */
export function rowsValues(table: readonly ArrayLike<number>[], rows: readonly number[], n: number): Float32Array {
  const buf = new Float32Array(rows.length * n);
  rows.forEach((r, i) => {
    const row = table[r]!;
    for (let j = 0; j < n; j++) buf[i * n + j] = row[j]!;
  });
  return buf;
}

/** 0..n−1 */
export function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}
