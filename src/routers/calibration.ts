import { z } from 'zod';
import { winVsField } from './bradleyTerry.js';

/**
 * Per-model Platt scaling: quality_m = σ(a_m · r + b_m) maps a router's raw per-model output r (a logit, a
 * rating, a similarity) to the expected score on the [0,1]-mapped score scale. Fitted on training rows by
 * Newton's method on the (soft-target) cross-entropy with a small ridge, so it is monotone in r (a ≥ 0 is
 * not forced: a router whose raw output anti-correlates with a model's scores gets a < 0, which is honest).
 * Routers that learn relative preferences (pairs, contrasts) use it to put every model on one scale that the
 * policy layer can trade against price.
 */
export const PlattSchema = z.object({ a: z.array(z.number()), b: z.array(z.number()), n: z.array(z.number().int().nonnegative()) });
export type Platt = z.infer<typeof PlattSchema>;

export interface PlattOptions {
  /** Ridge on a and b (stabilises models with few or separable observations). */
  ridge?: number;
  iterations?: number;
}

/** Fit one (a, b) pair on raw values x and [0,1] targets t (NaN targets skipped). */
export function fitPlatt1(x: ArrayLike<number>, t: ArrayLike<number>, opts: PlattOptions = {}): { a: number; b: number; n: number } {
  const ridge = opts.ridge ?? 1e-3;
  const iters = opts.iterations ?? 50;
  let a = 1;
  let b = 0;
  let n = 0;
  let mean = 0;
  for (let i = 0; i < x.length; i++)
    if (!Number.isNaN(t[i]!)) {
      n++;
      mean += t[i]!;
    }
  if (n === 0) return { a: 1, b: 0, n: 0 };
  mean /= n;
  // Start from the base rate so a flat model converges in one step.
  const m = Math.min(Math.max(mean, 1e-4), 1 - 1e-4);
  a = 0;
  b = Math.log(m / (1 - m));
  for (let it = 0; it < iters; it++) {
    let ga = ridge * a;
    let gb = ridge * b;
    let haa = ridge;
    let hab = 0;
    let hbb = ridge;
    for (let i = 0; i < x.length; i++) {
      const ti = t[i]!;
      if (Number.isNaN(ti)) continue;
      const xi = x[i]!;
      const p = 1 / (1 + Math.exp(-(a * xi + b)));
      const r = p - ti;
      const w = Math.max(p * (1 - p), 1e-9);
      ga += r * xi;
      gb += r;
      haa += w * xi * xi;
      hab += w * xi;
      hbb += w;
    }
    const det = haa * hbb - hab * hab;
    if (!(det > 0)) break;
    const da = (hbb * ga - hab * gb) / det;
    const db = (haa * gb - hab * ga) / det;
    a -= da;
    b -= db;
    if (Math.abs(da) + Math.abs(db) < 1e-10) break;
  }
  return { a, b, n };
}

/** Fit one Platt map per model: raw[i][j] against targets[i][j] (row-major, NaN = missing). */
export function fitPlatt(raw: Float32Array, targets: Float32Array, nModels: number, opts: PlattOptions = {}): Platt {
  const rows = raw.length / nModels;
  const out: Platt = { a: [], b: [], n: [] };
  const xs = new Float64Array(rows);
  const ts = new Float64Array(rows);
  for (let j = 0; j < nModels; j++) {
    for (let i = 0; i < rows; i++) {
      xs[i] = raw[i * nModels + j]!;
      ts[i] = targets[i * nModels + j]!;
    }
    const f = fitPlatt1(xs, ts, opts);
    out.a.push(f.a);
    out.b.push(f.b);
    out.n.push(f.n);
  }
  return out;
}

export function applyPlatt(p: Platt, j: number, r: number): number {
  return 1 / (1 + Math.exp(-(p.a[j]! * r + p.b[j]!)));
}

/**
 * Quality on the unit scale for model j from a row of raw strengths: its Platt map when fitted on at least
 * `minCalibration` observed scores, else its win probability against the field (pairwise-only data).
 */
export function plattOrField(p: Platt | null, raw: ArrayLike<number>, j: number, minCalibration: number): number {
  if (p && p.n[j]! >= minCalibration) return applyPlatt(p, j, raw[j]!);
  return winVsField(raw, j);
}
