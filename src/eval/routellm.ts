import { LlmrError } from '../errors.js';
import { interp, qcutEdges, trapz } from './numeric.js';

/**
 * RouteLLM's strong/weak metrics (routellm/evals/evaluate.py and benchmarks.py), to their definitions:
 * - operating points: thresholds at the edges of pd.qcut(router scores, 10) (the deciles, 11 edges); a
 *   prompt goes to the strong model when its score ≥ threshold, except at the last (largest) edge, where
 *   the comparison is strict (>) so that the sweep ends at 0 % strong calls;
 * - PGR of a point = (q − q_weak) / (q_strong − q_weak);
 * - AUC = trapezoid area of quality over the share of strong calls (0..1), points sorted by share;
 *   APGR = (AUC − q_weak·Δshare) / ((q_strong − q_weak)·Δshare), Δshare = the share range (1 for a full sweep);
 * - CPT(p) = the share of strong calls needed to reach q_weak + p·(q_strong − q_weak).
 */

export interface SharePoint {
  /** The router-score threshold (NaN for points not made by a threshold). */
  threshold: number;
  /** Fraction of prompts sent to the strong model, in [0, 1]. */
  share: number;
  quality: number;
  /** Mean USD per query. */
  cost: number;
}

/** Per-row outcomes of the two models of a pair. */
export interface PairOutcomes {
  qStrong: ArrayLike<number>;
  qWeak: ArrayLike<number>;
  cStrong: ArrayLike<number>;
  cWeak: ArrayLike<number>;
}

export function pgr(quality: number, qWeak: number, qStrong: number): number {
  return (quality - qWeak) / (qStrong - qWeak);
}

/** Row indices 0..n−1 when `rows` is not given. */
function rowList(n: number, rows?: ArrayLike<number>): ArrayLike<number> {
  return rows ?? Int32Array.from({ length: n }, (_, i) => i);
}

/**
 * The operating point of one threshold: strong where score ≥ t (or > t when `strict`).
 * `rows` selects (and may repeat, for the bootstrap) the rows to average over.
 */
export function thresholdPoint(score: ArrayLike<number>, o: PairOutcomes, t: number, strict = false, rows?: ArrayLike<number>): SharePoint {
  const r = rowList(score.length, rows);
  let nStrong = 0;
  let q = 0;
  let c = 0;
  for (let k = 0; k < r.length; k++) {
    const i = r[k]!;
    const s = score[i]!;
    if (strict ? s > t : s >= t) {
      nStrong++;
      q += o.qStrong[i]!;
      c += o.cStrong[i]!;
    } else {
      q += o.qWeak[i]!;
      c += o.cWeak[i]!;
    }
  }
  const n = r.length;
  return { threshold: t, share: nStrong / n, quality: q / n, cost: c / n };
}

/** RouteLLM's sweep: one point per qcut edge of the scores of the selected rows (bins + 1 points). */
export function decileSweep(score: ArrayLike<number>, o: PairOutcomes, bins = 10, rows?: ArrayLike<number>): SharePoint[] {
  const r = rowList(score.length, rows);
  if (r.length === 0) throw new LlmrError('threshold sweep over no rows', { field: 'rows' });
  const vals = Float64Array.from({ length: r.length }, (_, k) => score[r[k]!]!);
  const edges = qcutEdges(vals, bins);
  return edges.map((t, i) => thresholdPoint(score, o, t, i === edges.length - 1, r));
}

/** Points in RouteLLM's order for the integral: by share ascending (stable). */
export function byShare(points: readonly SharePoint[]): SharePoint[] {
  return points
    .map((p, i) => ({ p, i }))
    .sort((a, b) => a.p.share - b.p.share || a.i - b.i)
    .map((x) => x.p);
}

export interface ApgrResult {
  auc: number;
  apgr: number;
}

/** AUC and APGR of a sweep, RouteLLM's `auc_metric` / `apgr_metric` (share as a fraction). */
export function apgr(points: readonly SharePoint[], qWeak: number, qStrong: number): ApgrResult {
  if (points.length < 2) throw new LlmrError('APGR needs at least two operating points', { field: 'points' });
  if (qStrong === qWeak)
    throw new LlmrError('APGR is undefined when the strong and weak models score the same', {
      field: 'pair',
      fix: 'choose a pair with different mean quality',
    });
  const s = byShare(points);
  const x = s.map((p) => p.share);
  const auc = trapz(
    s.map((p) => p.quality),
    x,
  );
  const width = x[x.length - 1]! - x[0]!;
  return { auc, apgr: (auc - qWeak * width) / ((qStrong - qWeak) * width) };
}

/**
 * The monotone envelope used for CPT: points by share ascending, keeping each point whose quality is
 * strictly above every point with a smaller share (the cheapest way found to reach each quality).
 * Quality is then strictly increasing, so interpolating share over quality is well defined (RouteLLM
 * applies np.interp to the raw points, which assumes they already are monotone).
 */
export function monotoneEnvelope(points: readonly SharePoint[]): SharePoint[] {
  const s = byShare(points);
  const out: SharePoint[] = [];
  for (const p of s) if (out.length === 0 || p.quality > out[out.length - 1]!.quality) out.push(p);
  return out;
}

/**
 * CPT(p): share of strong calls needed to reach quality q_weak + p·(q_strong − q_weak), by linear
 * interpolation on the monotone envelope (np.interp over quality → share). A target at or below the
 * envelope's first quality gives its share; a target above every point is never reached → NaN.
 */
export function cpt(points: readonly SharePoint[], qWeak: number, qStrong: number, p: number): number {
  const env = monotoneEnvelope(points);
  const target = qWeak + p * (qStrong - qWeak);
  if (env.length === 0 || target > env[env.length - 1]!.quality + 1e-12) return Number.NaN;
  return interp(
    target,
    env.map((e) => e.quality),
    env.map((e) => e.share),
  );
}

/**
 * RouteLLM's optimal curve (`get_optimal_accuracy`): with a budget of share·n strong calls, send them to
 * the rows where the strong model gains most over the weak one (only gains > 0); mean quality.
 */
export function optimalQualityAtShare(o: PairOutcomes, share: number, rows?: ArrayLike<number>): number {
  const r = rowList(o.qStrong.length, rows);
  const gains: number[] = [];
  let base = 0;
  for (let k = 0; k < r.length; k++) {
    const i = r[k]!;
    base += o.qWeak[i]!;
    const g = o.qStrong[i]! - o.qWeak[i]!;
    if (g > 0) gains.push(g);
  }
  gains.sort((a, b) => b - a);
  const budget = share * r.length;
  let extra = 0;
  for (let j = 0; j < gains.length && j < budget; j++) extra += gains[j]! * Math.min(1, budget - j);
  return (base + extra) / r.length;
}
