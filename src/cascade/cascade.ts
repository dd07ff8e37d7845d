import { LlmrError } from '../errors.js';
import type { CalibrationGoal } from '../eval/calibratePolicy.js';
import type { SeriesInput } from '../eval/evaluate.js';
import type { EvalTable } from '../eval/evalTable.js';
import { aiq, clipHull, nonDecreasingHull, type CostQuality } from '../eval/hull.js';
import { quantileSorted } from '../eval/numeric.js';

/**
 * LLM cascades (FrugalGPT, AutoMix): call the candidates in price order; accept the current model's response
 * when its reward ≥ τ, else escalate to the next; the last model's response is always accepted. The cost of a
 * query is the sum of the costs of every model called; its quality is the accepted response's quality.
 *
 * Offline replay needs, per query and model, the logged quality, the logged cost and the reward of that
 * model's response (a reward model's score, e.g. RankerPipeline.rewards()). The knob τ plays the role of a
 * router's willingness to pay: sweeping it gives cost–quality operating points for the same hull/AIQ report
 * as routers, and it is calibrated like a router knob (budget, quality or share goal on a calibration split).
 */

export interface CascadeTable {
  name: string;
  ids: string[];
  models: string[];
  /** quality[row][model] (complete). */
  quality: Float64Array[];
  /** cost[row][model]: USD of that call. */
  cost: Float64Array[];
  /** reward[row][model]: acceptance score of that model's response; NaN = no response (never accepted, except last). */
  reward: Float64Array[];
}

/** One cascade setting's outcome: the same fields as an eval OperatingPoint (src/eval/sweep.ts) minus the policy. */
export interface CascadePoint {
  /** τ: accept a response whose reward ≥ τ. */
  knob: number;
  /** Mean USD per query (every model called is paid). */
  cost: number;
  /** Mean quality of the accepted responses. */
  quality: number;
  /** Fraction of queries whose accepted response came from each model. */
  share: Record<string, number>;
  /** Mean number of models called per query. */
  calls: number;
}

export interface CascadeReplay {
  /** Accepted model per row (column index). */
  choice: Int32Array;
  /** Models called per row. */
  calls: Int32Array;
  cost: Float64Array;
  quality: Float64Array;
}

/** Build a cascade table from an eval table (quality, cost) and rewards aligned with its rows and models. */
export function cascadeTable(t: EvalTable, reward: readonly Float64Array[]): CascadeTable {
  if (reward.length !== t.ids.length) throw new LlmrError(`${reward.length} reward rows for ${t.ids.length} table rows`, { field: 'reward' });
  reward.forEach((r, i) => {
    if (r.length !== t.models.length) throw new LlmrError(`reward row ${i} has ${r.length} values for ${t.models.length} models`, { field: `reward[${i}]` });
  });
  return { name: t.name, ids: t.ids, models: t.models, quality: t.quality, cost: t.cost, reward: [...reward] };
}

/** Resolve a chain given by model names or column indices; at least one model, no repeats. */
export function resolveChain(t: Pick<CascadeTable, 'models'>, chain: readonly (string | number)[]): number[] {
  if (chain.length === 0) throw new LlmrError('a cascade needs at least one model', { field: 'chain', fix: `use models from: ${t.models.join(', ')}` });
  const out = chain.map((c, k) => {
    const j = typeof c === 'number' ? c : t.models.indexOf(c);
    if (!(j >= 0 && j < t.models.length))
      throw new LlmrError(`cascade model "${c}" is not in the data`, { field: `chain[${k}]`, fix: `use models from: ${t.models.join(', ')}` });
    return j;
  });
  if (new Set(out).size !== out.length) throw new LlmrError('a cascade calls each model at most once', { field: 'chain' });
  return out;
}

/** Column indices ordered by mean cost ascending (ties by name): the default call order. */
export function byPrice(t: Pick<CascadeTable, 'models' | 'cost'>, models?: readonly number[]): number[] {
  const cols = models ?? t.models.map((_, j) => j);
  const mean = (j: number) => t.cost.reduce((s, c) => s + c[j]!, 0) / Math.max(t.cost.length, 1);
  return [...cols].sort((a, b) => mean(a) - mean(b) || (t.models[a]! < t.models[b]! ? -1 : 1));
}

/** Replay one threshold on every row (or the given rows). */
export function replayCascade(t: CascadeTable, chain: readonly number[], tau: number, rows?: ArrayLike<number>): CascadeReplay {
  const n = rows ? rows.length : t.ids.length;
  const out: CascadeReplay = { choice: new Int32Array(n), calls: new Int32Array(n), cost: new Float64Array(n), quality: new Float64Array(n) };
  const last = chain.length - 1;
  for (let k = 0; k < n; k++) {
    const i = rows ? rows[k]! : k;
    let c = 0;
    let s = 0;
    for (; s <= last; s++) {
      const j = chain[s]!;
      c += t.cost[i]![j]!;
      if (s === last || t.reward[i]![j]! >= tau) break;
    }
    const j = chain[s]!;
    out.choice[k] = j;
    out.calls[k] = s + 1;
    out.cost[k] = c;
    out.quality[k] = t.quality[i]![j]!;
  }
  return out;
}

/** Mean outcome of a replay as an operating point. */
export function pointOf(t: Pick<CascadeTable, 'models'>, tau: number, r: CascadeReplay): CascadePoint {
  const n = r.choice.length;
  const counts = new Float64Array(t.models.length);
  let cost = 0;
  let quality = 0;
  let calls = 0;
  for (let k = 0; k < n; k++) {
    counts[r.choice[k]!]!++;
    cost += r.cost[k]!;
    quality += r.quality[k]!;
    calls += r.calls[k]!;
  }
  return { knob: tau, cost: cost / n, quality: quality / n, share: Object.fromEntries(t.models.map((m, j) => [m, counts[j]! / n])), calls: calls / n };
}

/**
 * Thresholds worth trying: −∞ (always accept the first model), every `levels`-quantile of the finite rewards
 * of the non-final stages, and +∞ (always escalate to the last model).
 */
export function tauGrid(t: CascadeTable, chain: readonly number[], levels = 200): number[] {
  const vals: number[] = [];
  for (const row of t.reward) for (const j of chain.slice(0, -1)) if (Number.isFinite(row[j]!)) vals.push(row[j]!);
  const sorted = Float64Array.from(vals).sort();
  const qs = sorted.length ? Array.from({ length: levels + 1 }, (_, k) => quantileSorted(sorted, k / levels)) : [];
  return [-Infinity, ...new Set(qs), Infinity];
}

/** Operating points over a τ sweep (default grid: tauGrid). */
export function cascadePoints(t: CascadeTable, chain: readonly (string | number)[], taus?: readonly number[]): CascadePoint[] {
  const c = resolveChain(t, chain);
  return (taus ?? tauGrid(t, c)).map((tau) => pointOf(t, tau, replayCascade(t, c, tau)));
}

/**
 * A τ sweep as an extra series for the router evaluation (evaluateRouters' extraSeries): the per-row replay
 * at each τ, so the cascade gets the routers' hull, AIQ, bootstrap intervals and task slices. `t` must be
 * the evaluated table's rows (cascadeTable / rewardTable of that EvalTable).
 */
export function cascadeSeries(
  t: CascadeTable,
  chain: readonly (string | number)[],
  opts: { taus?: readonly number[]; name?: string; digest?: string; description?: string } = {},
): SeriesInput {
  const c = resolveChain(t, chain);
  const knobs = [...(opts.taus ?? tauGrid(t, c))];
  return {
    name: opts.name ?? `cascade ${c.map((j) => t.models[j]).join(' → ')}`,
    kind: 'cascade',
    digest: opts.digest,
    description: opts.description,
    knobs,
    knobLabel: 'τ',
    outcomes: knobs.map((tau) => replayCascade(t, c, tau)),
  };
}

export interface CascadeCurve {
  name: string;
  chain: string[];
  points: CascadePoint[];
  hull: CostQuality[];
  /** AIQ of the hull cut at maxCost (clipHull; RouterBench convention); NaN when every hull point costs more. */
  aiq: number;
  maxCost: number;
}

/** Points, non-decreasing hull and AIQ of one chain (maxCost default: the costliest point or single model). */
export function cascadeCurve(
  t: CascadeTable,
  chain: readonly (string | number)[],
  opts: { taus?: readonly number[]; maxCost?: number; name?: string } = {},
): CascadeCurve {
  const c = resolveChain(t, chain);
  const points = cascadePoints(t, c, opts.taus);
  const hull = nonDecreasingHull(points.map((p) => [p.cost, p.quality] as const));
  const singleMax = Math.max(...t.models.map((_, j) => t.cost.reduce((s, r) => s + r[j]!, 0) / t.cost.length));
  const maxCost = opts.maxCost ?? Math.max(singleMax, ...points.map((p) => p.cost));
  const within = clipHull(hull, maxCost);
  return {
    name: opts.name ?? `cascade ${c.map((j) => t.models[j]).join(' → ')}`,
    chain: c.map((j) => t.models[j]!),
    points,
    hull,
    aiq: within.length ? aiq(within, maxCost) : Number.NaN,
    maxCost,
  };
}

/** Every chain of 1..maxLength of the candidate models, each in price order (Σ C(n, k) chains). */
export function priceOrderedChains(t: Pick<CascadeTable, 'models' | 'cost'>, maxLength = 3, candidates?: readonly (string | number)[]): number[][] {
  const cands = byPrice(t, candidates ? resolveChain(t, candidates) : undefined);
  const maxLen = Math.min(maxLength, cands.length);
  const out: number[][] = [];
  const visit = (start: number, chain: number[]) => {
    if (chain.length > 0) out.push(chain);
    if (chain.length === maxLen) return;
    for (let k = start; k < cands.length; k++) visit(k + 1, [...chain, cands[k]!]);
  };
  visit(0, []);
  return out;
}

/**
 * Choose the call order on a calibration table: among chains of 1..maxLength models in price order, the one
 * whose hull has the largest AIQ up to the costliest single model's mean cost (a cascade that costs more than
 * always calling the best model is not worth running).
 */
export function selectChain(
  t: CascadeTable,
  opts: { maxLength?: number; candidates?: readonly (string | number)[] } = {},
): { chain: string[]; aiq: number; tried: number } {
  const chains = priceOrderedChains(t, opts.maxLength ?? 3, opts.candidates);
  const cols = [...new Set(chains.flat())];
  const maxCost = Math.max(...cols.map((j) => t.cost.reduce((s, r) => s + r[j]!, 0) / t.cost.length));
  let best: { chain: number[]; aiq: number } | null = null;
  for (const chain of chains) {
    const curve = cascadeCurve(t, chain, { maxCost, taus: tauGrid(t, chain, 50) });
    if (Number.isFinite(curve.aiq) && (!best || curve.aiq > best.aiq + 1e-12)) best = { chain, aiq: curve.aiq };
  }
  if (!best) throw new LlmrError('no cascade chain stays within the costliest single model’s cost', { field: 'chain', fix: 'give --chain explicitly' });
  return { chain: best.chain.map((j) => t.models[j]!), aiq: best.aiq, tried: chains.length };
}

export interface CascadeCalibration {
  goal: CalibrationGoal;
  chain: string[];
  tau: number;
  feasible: boolean;
  calibration: CascadePoint;
  test?: CascadePoint;
}

/**
 * Calibrate τ on a calibration table for a goal, as a router knob (src/eval/calibratePolicy.ts goals):
 * budget (USD per 1,000 queries: best quality within it), quality (minimum mean quality: cheapest τ reaching
 * it) or share (fraction of queries escalated to the last model of `chain`). For budget and quality goals,
 * `alternatives` (other call orders) compete with `chain`: the chain is then calibrated along with τ (a
 * single τ serves all stages, so a tight budget is often best met by a shorter chain). Reports the test
 * outcome when a test table is given.
 */
export function calibrateCascade(
  goal: CalibrationGoal,
  cal: CascadeTable,
  chain: readonly (string | number)[],
  test?: CascadeTable,
  alternatives: readonly (readonly (string | number)[])[] = [],
): CascadeCalibration {
  const main = resolveChain(cal, chain);
  const chains = goal.kind === 'share' ? [main] : [main, ...alternatives.map((c) => resolveChain(cal, c))];
  const points = chains.flatMap((c) => cascadePoints(cal, c, tauGrid(cal, c, 1000)).map((p) => ({ ...p, chain: c })));
  const lastName = cal.models[main[main.length - 1]!]!;
  let pick: CascadePoint & { chain: number[] };
  let feasible = true;
  if (goal.kind === 'budget') {
    const ok = points.filter((p) => p.cost <= (goal.usdPer1k / 1000) * (1 + 1e-9));
    if (ok.length) pick = ok.reduce((b, p) => (p.quality > b.quality || (p.quality === b.quality && p.cost < b.cost) ? p : b));
    else (feasible = false), (pick = points.reduce((b, p) => (p.cost < b.cost ? p : b)));
  } else if (goal.kind === 'quality') {
    const ok = points.filter((p) => p.quality >= goal.min - 1e-12);
    if (ok.length) pick = ok.reduce((b, p) => (p.cost < b.cost || (p.cost === b.cost && p.quality > b.quality) ? p : b));
    else (feasible = false), (pick = points.reduce((b, p) => (p.quality > b.quality || (p.quality === b.quality && p.cost < b.cost) ? p : b)));
  } else {
    const gap = (p: CascadePoint) => Math.abs((p.share[lastName] ?? 0) - goal.share);
    pick = points.reduce((b, p) => (gap(p) < gap(b) - 1e-12 ? p : b));
    feasible = gap(pick) <= Math.max(0.02, 1 / cal.ids.length);
  }
  const { chain: picked, ...point } = pick;
  const out: CascadeCalibration = { goal, chain: picked.map((j) => cal.models[j]!), tau: pick.knob, feasible, calibration: point };
  if (test) out.test = pointOf(test, pick.knob, replayCascade(test, resolveChain(test, out.chain), pick.knob));
  return out;
}

/**
 * How well the rewards order a query's responses: over every (better, worse) pair of one row's models with
 * different quality and both rewards finite, the share the reward orders the same way (equal rewards: ½).
 * On 0/1 correctness this is the right-vs-wrong pairwise accuracy on all pairs (the ranker evaluation
 * samples at most a few pairs per prompt).
 */
export function rewardPairAccuracy(t: CascadeTable): { accuracy: number; pairs: number } {
  let hit = 0;
  let pairs = 0;
  for (let i = 0; i < t.ids.length; i++) {
    const q = t.quality[i]!;
    const r = t.reward[i]!;
    for (let a = 0; a < q.length; a++)
      for (let b = 0; b < q.length; b++) {
        if (!(q[a]! > q[b]!) || !Number.isFinite(r[a]!) || !Number.isFinite(r[b]!)) continue;
        pairs++;
        hit += r[a]! > r[b]! ? 1 : r[a] === r[b] ? 0.5 : 0;
      }
  }
  return { accuracy: pairs ? hit / pairs : Number.NaN, pairs };
}
