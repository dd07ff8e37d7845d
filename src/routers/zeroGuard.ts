import { LlmrError } from '../errors.js';
import { wtpGrid } from '../eval/sweep.js';
import type { Policy } from '../policy/policy.js';
import { splitOf } from '../data/split.js';
import type { TrainingSet } from './Router.js';
import { subsetTrainingSet } from './trainingSet.js';

/**
 * "Never worse than not routing": a cross-validated comparison, on the router's own training data, of its
 * decisions against the Zero router's (the best single model for each operating point), stored in the
 * artifact. At each willingness to pay w the Zero router calls the one model maximising w·q̄ − c̄ (mean
 * training quality and expected cost); the router's decisions on out-of-fold predictions are compared with
 * it by the per-row utility difference w·(q_router − q_zero) − (c_router − c_zero). Where the mean difference
 * is not above `z` standard errors, the guard marks the point "zero": the pipeline then routes as the Zero
 * router would — every prompt to that single model — and says so in the decision. Max-quality is compared
 * likewise on quality alone. Comparing utilities at every w is exactly comparing hulls: the Zero router's
 * best point at slope w is a single model (a mix of two lies on a segment, never above both ends).
 */

export interface GuardPoint {
  wtp: number;
  /** The Zero router's model at this willingness to pay. */
  zeroModel: string;
  /** Mean out-of-fold utility of the router's decisions minus the Zero router's, and its standard error. */
  gain: number;
  se: number;
  /** true: the router was better here (route by it); false: route as the Zero router. */
  better: boolean;
}

export interface GuardState {
  folds: number;
  rows: number;
  z: number;
  /** Mean training quality and expected cost per model (the Zero router's data). */
  means: Record<string, { quality: number; cost: number }>;
  /** Ascending willingness to pay. */
  points: GuardPoint[];
  maxQuality: { zeroModel: string; gain: number; se: number; better: boolean };
}

export interface GuardOptions {
  /** Cross-validation folds (by prompt hash). Default 5. */
  folds?: number;
  /** Standard errors the router's mean gain must clear. Default 1. */
  z?: number;
  /** Willingness-to-pay grid size. Default 32. */
  points?: number;
  salt?: string;
}

/** Per-model means over the rows where the model has a score. */
function modelMeansOf(data: TrainingSet, cost: readonly Float64Array[]): { quality: Float64Array; cost: Float64Array } {
  const m = data.models.length;
  const q = new Float64Array(m);
  const c = new Float64Array(m);
  const nq = new Float64Array(m);
  data.scores.forEach((row, i) => {
    for (let j = 0; j < m; j++) {
      c[j]! += cost[i]![j]! / data.scores.length;
      if (Number.isFinite(row[j]!)) (q[j]! += row[j]!), nq[j]!++;
    }
  });
  for (let j = 0; j < m; j++) q[j] = nq[j] ? q[j]! / nq[j]! : Number.NaN;
  return { quality: q, cost: c };
}

/** The Zero router's model at willingness to pay w (Infinity = max quality): argmax w·q̄ − c̄, ties → cheaper, then name. */
export function zeroModelAt(means: Record<string, { quality: number; cost: number }>, wtp: number, candidates: readonly string[] = Object.keys(means)): string {
  let best = '';
  let bu = -Infinity;
  let bc = Infinity;
  for (const m of [...candidates].sort()) {
    const e = means[m];
    if (!e || !Number.isFinite(e.quality)) continue;
    const u = wtp === Infinity ? e.quality : wtp * e.quality - e.cost;
    if (u > bu || (u === bu && e.cost < bc)) [best, bu, bc] = [m, u, e.cost];
  }
  if (!best) throw new LlmrError('the guard has no scored candidate', { field: 'candidates' });
  return best;
}

function meanSe(d: number[]): { mean: number; se: number } {
  const n = d.length;
  if (n === 0) return { mean: Number.NaN, se: Number.NaN };
  const mean = d.reduce((a, b) => a + b, 0) / n;
  const v = n > 1 ? d.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1) : 0;
  return { mean, se: Math.sqrt(v / n) };
}

/**
 * Fit the guard from out-of-fold predictions: `oof[i][j]` predicted quality of model j on training row i
 * (from a router that did not see row i), `cost[i][j]` the expected cost the router decides with.
 */
export function guardFromPredictions(
  data: TrainingSet,
  oof: readonly Float64Array[],
  cost: readonly Float64Array[],
  o: GuardOptions & { folds: number },
): GuardState {
  const m = data.models.length;
  const mm = modelMeansOf(data, cost);
  const means = Object.fromEntries(data.models.map((name, j) => [name, { quality: mm.quality[j]!, cost: mm.cost[j]! }]));
  let qmin = Infinity;
  let qmax = -Infinity;
  for (const r of data.scores) for (const v of r) if (Number.isFinite(v)) (qmin = Math.min(qmin, v)), (qmax = Math.max(qmax, v));
  const grid = wtpGrid(cost, qmax - qmin, o.points ?? 32);
  const z = o.z ?? 1;
  const idx = new Map(data.models.map((name, j) => [name, j]));
  const diffs = (wtp: number, zj: number): number[] => {
    const d: number[] = [];
    data.scores.forEach((row, i) => {
      const p = oof[i]!;
      const c = cost[i]!;
      let best = 0;
      let bu = -Infinity;
      for (let j = 0; j < m; j++) {
        const u = wtp === Infinity ? p[j]! : wtp * p[j]! - c[j]!;
        if (u > bu || (u === bu && c[j]! < c[best]!)) (best = j), (bu = u);
      }
      const qr = row[best]!;
      const qz = row[zj]!;
      if (!Number.isFinite(qr) || !Number.isFinite(qz)) return;
      d.push(wtp === Infinity ? qr - qz : wtp * (qr - qz) - (c[best]! - c[zj]!));
    });
    return d;
  };
  const points: GuardPoint[] = grid.map((wtp) => {
    const zeroModel = zeroModelAt(means, wtp);
    const { mean, se } = meanSe(diffs(wtp, idx.get(zeroModel)!));
    return { wtp, zeroModel, gain: mean, se, better: mean > z * se && mean > 0 };
  });
  const zq = zeroModelAt(means, Infinity);
  const mq = meanSe(diffs(Infinity, idx.get(zq)!));
  return {
    folds: o.folds,
    rows: data.scores.length,
    z,
    means,
    points,
    maxQuality: { zeroModel: zq, gain: mq.mean, se: mq.se, better: mq.mean > z * mq.se && mq.mean > 0 },
  };
}

/** Row indices of each cross-validation fold, by prompt-id hash (deterministic, order-free). */
export function guardFolds(ids: readonly string[], folds: number, salt = 'llmr-guard'): number[][] {
  const names = Array.from({ length: folds }, (_, k) => String(k));
  const fractions = names.map(() => 1 / folds);
  const out: number[][] = names.map(() => []);
  ids.forEach((id, i) => out[Number(splitOf(id, { fractions, names, salt }))]!.push(i));
  return out;
}

/**
 * Out-of-fold predictions on a training set: for each fold, `fitFold` trains a fresh router on the other
 * folds (fitRouter: pairs, size defaults and seed as for the full fit) and it predicts the held-out rows.
 */
export async function outOfFoldPredictions(
  data: TrainingSet,
  fitFold: (d: TrainingSet, heldRows: number) => Promise<{ predict(x: readonly Float32Array[]): Promise<Float64Array[]>; dispose?(): void }>,
  o: { folds: number; salt?: string },
): Promise<Float64Array[]> {
  const out: Float64Array[] = new Array(data.scores.length);
  const parts = guardFolds(data.ids, o.folds, o.salt);
  for (const held of parts) {
    if (held.length === 0) continue;
    const heldSet = new Set(held);
    const trainRows = data.scores.map((_, i) => i).filter((i) => !heldSet.has(i));
    if (trainRows.length === 0) continue;
    const r = await fitFold(subsetTrainingSet(data, trainRows), held.length);
    const pred = await r.predict(held.map((i) => data.features[i]!));
    held.forEach((i, k) => (out[i] = pred[k]!));
    r.dispose?.();
  }
  // rows no fold could predict (a single fold): the global means
  const fill = Float64Array.from(data.models, (_, j) => {
    const v = data.scores.map((r) => r[j]!).filter(Number.isFinite);
    return v.length ? v.reduce((a, b) => a + b, 0) / v.length : 0;
  });
  for (let i = 0; i < out.length; i++) out[i] ??= Float64Array.from(fill);
  return out;
}

/** What the guard decides for one policy: `null` = route by the router; else the Zero router's model and why. */
export function guardDecision(
  g: GuardState,
  policy: Policy,
  candidates: readonly string[],
  allModels: readonly string[],
): { model: string; reason: string } | null {
  if (candidates.length !== allModels.length) return null; // compared over every model only
  if (policy.kind === 'max-quality') {
    if (g.maxQuality.better) return null;
    return {
      model: g.maxQuality.zeroModel,
      reason: `guard: under max-quality the router's cross-validated quality was not above always calling ${g.maxQuality.zeroModel} (gain ${g.maxQuality.gain.toFixed(4)} ± ${g.maxQuality.se.toFixed(4)} over ${g.rows} training rows, ${g.folds} folds), so routing as the Zero router would`,
    };
  }
  if (policy.kind !== 'willingness-to-pay' || g.points.length === 0) return null;
  // the grid point nearest in log willingness to pay (0 is its own point)
  const w = policy.wtp;
  let near = g.points[0]!;
  for (const p of g.points) {
    const d = (a: number, b: number) => (a === 0 || b === 0 ? (a === b ? 0 : Infinity) : Math.abs(Math.log(a / b)));
    if (d(p.wtp, w) < d(near.wtp, w)) near = p;
  }
  if (w === 0) near = g.points.find((p) => p.wtp === 0) ?? near;
  if (near.better) return null;
  const model = zeroModelAt(g.means, w);
  return {
    model,
    reason: `guard: at willingness to pay ${w} the router's cross-validated utility was not above always calling ${model} (gain ${near.gain.toExponential(2)} ± ${near.se.toExponential(2)} at ${near.wtp.toExponential(2)}, ${g.rows} training rows, ${g.folds} folds), so routing as the Zero router would`,
  };
}

/**
 * The guarded router as an evaluation series: at each willingness to pay of `grid`, the choices the
 * pipeline makes with its guard — the Zero router's model on every row where the guard says so, else the
 * raw router's decisions. `route(wtp)` gives the raw router's per-row choices (column indices of `models`).
 */
export function guardedChoices(g: GuardState, models: readonly string[], grid: readonly number[], route: (wtp: number) => Int32Array): Int32Array[] {
  return grid.map((wtp) => {
    const d = guardDecision(g, { kind: 'willingness-to-pay', wtp }, models, models);
    const raw = route(wtp);
    const j = d ? models.indexOf(d.model) : -1;
    return j < 0 ? raw : new Int32Array(raw.length).fill(j);
  });
}
