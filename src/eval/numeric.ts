import { LlmrError } from '../errors.js';

/**
 * Numeric helpers with the exact conventions of the reference Python code: numpy/pandas linear quantiles,
 * np.trapz, np.interp. Pure functions over plain arrays.
 */

/** Quantile with linear interpolation between order statistics (numpy's default, pandas Series.quantile). */
export function quantileSorted(sorted: ArrayLike<number>, p: number): number {
  const n = sorted.length;
  if (n === 0) throw new LlmrError('quantile of an empty list', { field: 'values' });
  if (!(p >= 0 && p <= 1)) throw new LlmrError(`quantile level must be in [0, 1], got ${p}`, { field: 'p' });
  const pos = (n - 1) * p;
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, n - 1);
  const frac = pos - lo;
  const a = sorted[lo]!;
  const b = sorted[hi]!;
  return frac === 0 ? a : a + (b - a) * frac;
}

export function sortedCopy(values: ArrayLike<number>): Float64Array {
  return Float64Array.from(values).sort();
}

export function quantile(values: ArrayLike<number>, p: number): number {
  return quantileSorted(sortedCopy(values), p);
}

/**
 * Bin edges of pandas `qcut(values, q, retbins=True)`: the quantiles at 0, 1/q, …, 1 (q + 1 edges, linear
 * interpolation). pandas raises on duplicate edges; they are kept here (a repeated edge gives a repeated
 * operating point, which adds zero area to a trapezoid integral, the same as dropping it).
 */
export function qcutEdges(values: ArrayLike<number>, q = 10): number[] {
  if (!Number.isInteger(q) || q < 1) throw new LlmrError(`number of quantile bins must be a positive integer, got ${q}`, { field: 'q' });
  const s = sortedCopy(values);
  return Array.from({ length: q + 1 }, (_, i) => quantileSorted(s, i / q));
}

/** np.trapz(y, x): trapezoid rule over points in the given order. */
export function trapz(y: ArrayLike<number>, x: ArrayLike<number>): number {
  if (y.length !== x.length) throw new LlmrError(`trapz: ${y.length} y values but ${x.length} x values`, { field: 'x' });
  let s = 0;
  for (let i = 1; i < y.length; i++) s += ((x[i]! - x[i - 1]!) * (y[i]! + y[i - 1]!)) / 2;
  return s;
}

/**
 * np.interp(x, xp, fp) for increasing xp: linear interpolation, clamped to fp[0] / fp[last] outside.
 */
export function interp(x: number, xp: ArrayLike<number>, fp: ArrayLike<number>): number {
  const n = xp.length;
  if (n === 0 || n !== fp.length) throw new LlmrError('interp needs equal, non-empty xp and fp', { field: 'xp' });
  if (x <= xp[0]!) return fp[0]!;
  if (x >= xp[n - 1]!) return fp[n - 1]!;
  let i = 1;
  while (xp[i]! < x) i++;
  const x0 = xp[i - 1]!;
  const x1 = xp[i]!;
  if (x1 === x0) return fp[i]!;
  return fp[i - 1]! + ((fp[i]! - fp[i - 1]!) * (x - x0)) / (x1 - x0);
}

export function mean(values: ArrayLike<number>): number {
  if (values.length === 0) return Number.NaN;
  let s = 0;
  for (let i = 0; i < values.length; i++) s += values[i]!;
  return s / values.length;
}

export function std(values: ArrayLike<number>): number {
  const n = values.length;
  if (n < 2) return 0;
  const m = mean(values);
  let s = 0;
  for (let i = 0; i < n; i++) s += (values[i]! - m) ** 2;
  return Math.sqrt(s / (n - 1));
}

/** n values log-spaced from lo to hi inclusive (lo, hi > 0). */
export function logspace(lo: number, hi: number, n: number): number[] {
  if (!(lo > 0 && hi >= lo) || n < 1) throw new LlmrError(`logspace needs 0 < lo ≤ hi and n ≥ 1, got ${lo}, ${hi}, ${n}`, { field: 'grid' });
  if (n === 1) return [lo];
  const a = Math.log(lo);
  const b = Math.log(hi);
  return Array.from({ length: n }, (_, i) => Math.exp(a + ((b - a) * i) / (n - 1)));
}
