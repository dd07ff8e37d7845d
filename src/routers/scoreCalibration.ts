import { z } from 'zod';
import { winVsField } from './bradleyTerryRatings.js';

/**
 * Mapping a router's raw per-model outputs (a preference strength, a rating, a similarity) to expected
 * scores on the [0,1]-mapped score scale, fitted on training rows with observed scores. Routers that learn
 * relative preferences (pairs, contrasts) use it to put every model on one scale that the policy layer can
 * trade against price. Two kinds:
 * - `platt`: per model, σ(a_m · r_m + b_m) of its own raw output only (monotone, 2 parameters per model);
 * - `readout`: per model, a ridge logistic regression on the whole standardised raw vector,
 *   σ(w_m · z(r) + b_m): the other models' strengths tell how hard the prompt is (N + 1 parameters per model).
 * Both are fitted by Newton's method on the soft-target cross-entropy. A model with fewer than
 * `minCalibration` observed scores (pairwise-only data) gets its win probability against the field instead.
 */
export const CalibrationSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('platt'), a: z.array(z.number()), b: z.array(z.number()), n: z.array(z.number().int().nonnegative()) }),
  z.object({
    kind: z.literal('readout'),
    w: z.array(z.array(z.number())),
    b: z.array(z.number()),
    mean: z.array(z.number()),
    std: z.array(z.number()),
    n: z.array(z.number().int().nonnegative()),
  }),
]);
export type Calibration = z.infer<typeof CalibrationSchema>;
export type CalibrationKind = Calibration['kind'];

export interface FitOptions {
  /** Ridge precision on the slopes (and, for platt, a small one on the intercept). */
  ridge?: number;
  iterations?: number;
}

function sigmoid(z: number): number {
  return 1 / (1 + Math.exp(-z));
}

/** Solve the symmetric positive definite system H x = g by Gaussian elimination with partial pivoting. */
function solve(h: Float64Array, g: Float64Array, n: number): Float64Array | null {
  const a = Float64Array.from(h);
  const x = Float64Array.from(g);
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(a[r * n + c]!) > Math.abs(a[p * n + c]!)) p = r;
    if (!(Math.abs(a[p * n + c]!) > 1e-300)) return null;
    if (p !== c) {
      for (let k = 0; k < n; k++) [a[c * n + k], a[p * n + k]] = [a[p * n + k]!, a[c * n + k]!];
      [x[c], x[p]] = [x[p]!, x[c]!];
    }
    for (let r = c + 1; r < n; r++) {
      const f = a[r * n + c]! / a[c * n + c]!;
      if (f === 0) continue;
      for (let k = c; k < n; k++) a[r * n + k]! -= f * a[c * n + k]!;
      x[r]! -= f * x[c]!;
    }
  }
  for (let r = n - 1; r >= 0; r--) {
    let s = x[r]!;
    for (let k = r + 1; k < n; k++) s -= a[r * n + k]! * x[k]!;
    x[r] = s / a[r * n + r]!;
  }
  return x;
}

/**
 * Ridge logistic regression with soft targets: rows of `x` (d features, an intercept is added last and not
 * penalised beyond `interceptRidge`), NaN targets skipped. Returns d + 1 coefficients and the row count.
 */
export function fitLogistic(
  x: readonly ArrayLike<number>[],
  t: ArrayLike<number>,
  ridge: number,
  interceptRidge = 1e-6,
  iterations = 50,
): { coef: Float64Array; n: number } {
  const d = x[0]?.length ?? 0;
  const p = d + 1;
  const coef = new Float64Array(p);
  let n = 0;
  let mean = 0;
  for (let i = 0; i < x.length; i++)
    if (!Number.isNaN(t[i]!)) {
      n++;
      mean += t[i]!;
    }
  if (n === 0) return { coef, n };
  const m = Math.min(Math.max(mean / n, 1e-4), 1 - 1e-4);
  coef[d] = Math.log(m / (1 - m)); // start at the base rate
  const g = new Float64Array(p);
  const h = new Float64Array(p * p);
  const row = new Float64Array(p);
  row[d] = 1;
  for (let it = 0; it < iterations; it++) {
    g.fill(0);
    h.fill(0);
    for (let k = 0; k < p; k++) {
      const r = k === d ? interceptRidge : ridge;
      g[k] = r * coef[k]!;
      h[k * p + k] = r;
    }
    for (let i = 0; i < x.length; i++) {
      const ti = t[i]!;
      if (Number.isNaN(ti)) continue;
      const xi = x[i]!;
      let z = coef[d]!;
      for (let k = 0; k < d; k++) {
        row[k] = xi[k]!;
        z += coef[k]! * xi[k]!;
      }
      const pr = sigmoid(z);
      const res = pr - ti;
      const w = Math.max(pr * (1 - pr), 1e-9);
      for (let a = 0; a < p; a++) {
        g[a]! += res * row[a]!;
        const wa = w * row[a]!;
        for (let b = 0; b <= a; b++) h[a * p + b]! += wa * row[b]!;
      }
    }
    for (let a = 0; a < p; a++) for (let b = a + 1; b < p; b++) h[a * p + b] = h[b * p + a]!;
    const step = solve(h, g, p);
    if (!step) break;
    let moved = 0;
    for (let k = 0; k < p; k++) {
      coef[k]! -= step[k]!;
      moved += Math.abs(step[k]!);
    }
    if (moved < 1e-10) break;
  }
  return { coef, n };
}

/** Fit a calibration of `kind` on raw outputs and [0,1] targets, both row-major [rows × nModels] (NaN = missing). */
export function fitCalibration(kind: CalibrationKind, raw: Float32Array, targets: Float32Array, nModels: number, opts: FitOptions = {}): Calibration {
  const rows = raw.length / nModels;
  const col = (a: Float32Array, j: number) => Float64Array.from({ length: rows }, (_, i) => a[i * nModels + j]!);
  if (kind === 'platt') {
    const out: Calibration = { kind, a: [], b: [], n: [] };
    for (let j = 0; j < nModels; j++) {
      const xs = col(raw, j);
      const f = fitLogistic(
        Array.from(xs, (v) => [v]),
        col(targets, j),
        opts.ridge ?? 1e-3,
        opts.ridge ?? 1e-3,
        opts.iterations,
      );
      out.a.push(f.coef[0]!);
      out.b.push(f.coef[1]!);
      out.n.push(f.n);
    }
    return out;
  }
  const mean: number[] = [];
  const std: number[] = [];
  for (let j = 0; j < nModels; j++) {
    const c = col(raw, j);
    const mu = c.reduce((s, v) => s + v, 0) / Math.max(rows, 1);
    const sd = Math.sqrt(c.reduce((s, v) => s + (v - mu) ** 2, 0) / Math.max(rows, 1)) || 1;
    mean.push(mu);
    std.push(sd);
  }
  const z = Array.from({ length: rows }, (_, i) => Float64Array.from({ length: nModels }, (_, k) => (raw[i * nModels + k]! - mean[k]!) / std[k]!));
  const out: Calibration = { kind, w: [], b: [], mean, std, n: [] };
  for (let j = 0; j < nModels; j++) {
    const f = fitLogistic(z, col(targets, j), opts.ridge ?? 1, 1e-6, opts.iterations);
    out.w.push(Array.from(f.coef.subarray(0, nModels)));
    out.b.push(f.coef[nModels]!);
    out.n.push(f.n);
  }
  return out;
}

/** Quality of model j on the unit scale from a row of raw outputs (win probability vs the field without data). */
export function calibrated(c: Calibration | null, raw: ArrayLike<number>, j: number, minCalibration: number): number {
  if (!c || c.n[j]! < minCalibration) return winVsField(raw, j);
  if (c.kind === 'platt') return sigmoid(c.a[j]! * raw[j]! + c.b[j]!);
  const w = c.w[j]!;
  let s = c.b[j]!;
  for (let k = 0; k < w.length; k++) s += (w[k]! * (raw[k]! - c.mean[k]!)) / c.std[k]!;
  return sigmoid(s);
}

/** The calibration covers this many models (for artifact checks). */
export function calibrationModels(c: Calibration): number {
  return c.n.length;
}
