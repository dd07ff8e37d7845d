import { LlmrError } from '../errors.js';
import { Rng } from '../util/rng.js';
import { quantile } from './numeric.js';

/**
 * Nonparametric bootstrap over test rows: resample the rows with replacement (seeded), recompute a metric on
 * each resample, and report the percentile interval.
 */

export interface BootstrapInterval {
  lo: number;
  hi: number;
  /** Resamples on which the metric was finite. */
  n: number;
}

/** `replicates` resamples of row indices 0..rows−1 (each of length `rows`), seeded. */
export function* resamples(rows: number, replicates: number, seed: number): Generator<Int32Array> {
  if (rows <= 0) throw new LlmrError('bootstrap over no rows', { field: 'rows' });
  const rng = new Rng(seed);
  for (let b = 0; b < replicates; b++) {
    const idx = new Int32Array(rows);
    for (let i = 0; i < rows; i++) idx[i] = rng.int(rows);
    yield idx;
  }
}

/** Percentile interval (1 − alpha) of bootstrap values; non-finite values are left out. */
export function percentileInterval(values: readonly number[], alpha = 0.05): BootstrapInterval {
  const v = values.filter(Number.isFinite);
  if (v.length === 0) return { lo: Number.NaN, hi: Number.NaN, n: 0 };
  return { lo: quantile(v, alpha / 2), hi: quantile(v, 1 - alpha / 2), n: v.length };
}

/**
 * Bootstrap several metrics at once: `metric(rows)` returns a record of named values for one resample.
 * Returns the percentile interval of each name.
 */
export function bootstrap(
  rows: number,
  metric: (rows: Int32Array) => Record<string, number>,
  opts: { replicates?: number; seed?: number; alpha?: number } = {},
): Record<string, BootstrapInterval> {
  const replicates = opts.replicates ?? 200;
  const values = new Map<string, number[]>();
  for (const idx of resamples(rows, replicates, opts.seed ?? 0)) {
    for (const [k, v] of Object.entries(metric(idx))) {
      let list = values.get(k);
      if (!list) values.set(k, (list = []));
      list.push(v);
    }
  }
  return Object.fromEntries([...values.entries()].map(([k, v]) => [k, percentileInterval(v, opts.alpha)]));
}
