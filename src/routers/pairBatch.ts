import * as tf from '@tensorflow/tfjs';
import { LlmrError } from '../errors.js';
import { maskedBceWithLogits } from '../tf/ops.js';
import type { PairObservation, TrainingSet } from './Router.js';
import { pairsFromScores } from './trainingSet.js';

/**
 * Pairwise observations grouped by row, so a batch of rows becomes two dense [rows, N, N] tensors: the
 * summed weight of observations of (a, b) with a < b, and their mean outcome y (a won = 1, tie = 0.5).
 * Repeated observations of one pair on one row collapse exactly: Σ_i BCE(z, y_i) = n · BCE(z, ȳ).
 */
export interface RowPairs {
  nModels: number;
  /** Per row: flat [a, b, y, a, b, y, ...] with a < b. */
  byRow: Float64Array[];
  total: number;
}

export function rowPairs(data: TrainingSet, opts: { ties: boolean }): RowPairs {
  const nm = data.models.length;
  const n = data.features.length;
  const pairs: readonly PairObservation[] = data.pairs && data.pairs.length > 0 ? data.pairs : pairsFromScores(data.scores, { ties: opts.ties });
  const lists: number[][] = Array.from({ length: n }, () => []);
  pairs.forEach((p, i) => {
    if (!(p.row >= 0 && p.row < n) || !(p.a >= 0 && p.a < nm) || !(p.b >= 0 && p.b < nm) || p.a === p.b || !(p.y >= 0 && p.y <= 1))
      throw new LlmrError(`pair ${i} is invalid (row ${p.row}, a ${p.a}, b ${p.b}, y ${p.y})`, {
        field: `data.pairs[${i}]`,
        fix: `row < ${n}, a ≠ b < ${nm}, y ∈ [0,1]`,
      });
    if (!opts.ties && p.y === 0.5) return;
    const [a, b, y] = p.a < p.b ? [p.a, p.b, p.y] : [p.b, p.a, 1 - p.y];
    lists[p.row]!.push(a, b, y);
  });
  return { nModels: nm, byRow: lists.map((l) => Float64Array.from(l)), total: lists.reduce((s, l) => s + l.length / 3, 0) };
}

/** Rows that carry at least one pair. */
export function rowsWithPairs(rp: RowPairs): number[] {
  const out: number[] = [];
  rp.byRow.forEach((l, i) => {
    if (l.length > 0) out.push(i);
  });
  return out;
}

/** Dense weight and mean-outcome cubes [rows, N, N] for a batch of rows. */
export function pairCubes(rp: RowPairs, rows: readonly number[]): { weight: Float32Array; target: Float32Array } {
  const nm = rp.nModels;
  const nn = nm * nm;
  const weight = new Float32Array(rows.length * nn);
  const sumY = new Float32Array(rows.length * nn);
  rows.forEach((r, i) => {
    const l = rp.byRow[r]!;
    for (let k = 0; k < l.length; k += 3) {
      const idx = i * nn + l[k]! * nm + l[k + 1]!;
      weight[idx]! += 1;
      sumY[idx]! += l[k + 2]!;
    }
  });
  for (let i = 0; i < weight.length; i++) if (weight[i]! > 0) sumY[i]! /= weight[i]!;
  return { weight, target: sumY };
}

/** Bradley–Terry loss of per-model strengths δ [rows, N] against a batch's pair cubes (weighted BCE of δ_a − δ_b). */
export function pairwiseLoss(delta: tf.Tensor2D, cubes: { weight: Float32Array; target: Float32Array }): tf.Scalar {
  const [b, nm] = delta.shape;
  const diff = tf.sub(tf.reshape(delta, [b, nm, 1]), tf.reshape(delta, [b, 1, nm]));
  return maskedBceWithLogits(diff, tf.tensor3d(cubes.target, [b, nm, nm]), tf.tensor3d(cubes.weight, [b, nm, nm]));
}

/** Share of non-tie pairs whose order δ gets right (δ row-major [rows × N]). */
export function pairAccuracy(rp: RowPairs, rows: readonly number[], delta: Float32Array): number {
  const nm = rp.nModels;
  let right = 0;
  let total = 0;
  rows.forEach((r, i) => {
    const l = rp.byRow[r]!;
    for (let k = 0; k < l.length; k += 3) {
      const y = l[k + 2]!;
      if (y === 0.5) continue;
      const d = delta[i * nm + l[k]!]! - delta[i * nm + l[k + 1]!]!;
      total++;
      if ((d > 0 && y > 0.5) || (d < 0 && y < 0.5)) right++;
    }
  });
  return total > 0 ? right / total : Number.NaN;
}
